using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// The adapter of a parent namespace (<c>io.Of(regex)</c>): it has no sockets of its own, so
/// broadcasts and server-side operations go to each child namespace's adapter.
/// </summary>
internal sealed class ParentAdapter(Namespace parent) : IAdapter
{
    private static readonly HashSet<string> NoRooms = [];

    // A parent has no members: nothing to raise; the events exist for the interface.
    public event Action<string>? RoomCreated { add { } remove { } }
    public event Action<string, string>? RoomJoined { add { } remove { } }
    public event Action<string, string>? RoomLeft { add { } remove { } }
    public event Action<string>? RoomDeleted { add { } remove { } }

    public void AddAll(string socketId, IEnumerable<string> rooms)
    {
        // No socket belongs to a parent namespace.
    }

    public void Delete(string socketId, string room)
    {
        // No socket belongs to a parent namespace.
    }

    public void DeleteAll(string socketId)
    {
        // No socket belongs to a parent namespace.
    }

    public IReadOnlySet<string> SocketRooms(string socketId) => NoRooms;

    public IReadOnlyCollection<string> Rooms() => [.. parent.Children.SelectMany(c => c.Adapter.Rooms()).Distinct()];

    public IReadOnlyCollection<string> Sockets(BroadcastOptions options) =>
        [.. parent.Children.SelectMany(c => c.Adapter.Sockets(options))];

    public void Broadcast(BroadcastPacket packet, BroadcastOptions options)
    {
        foreach (var child in parent.Children)
        {
            // Each child's sockets expect packets addressed to their own namespace.
            child.Adapter.Broadcast(new BroadcastPacket(child.Name, packet.EventName, [.. packet.Args], packet.AckId, options.Compress), options);
        }
    }

    public void BroadcastWithAck(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack)
    {
        var total = 0;
        foreach (var child in parent.Children)
        {
            child.Adapter.BroadcastWithAck(new BroadcastPacket(child.Name, packet.EventName, [.. packet.Args], packet.AckId, options.Compress), options, n => total += n, ack);
        }
        clientCount(total);
    }

    public void PersistSession(PersistedSession session)
    {
        // No socket belongs to a parent namespace: each child keeps its own sessions.
    }

    public Task<RecoveredSession?> RestoreSessionAsync(string pid, string offset) => Task.FromResult<RecoveredSession?>(null);

    public Task<int> ServerCountAsync() => Task.FromResult(1);

    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options) =>
        throw new NotSupportedException("FetchSocketsAsync is not supported on a parent namespace; call it on a child namespace.");

    public void AddSockets(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (var child in parent.Children)
        {
            child.Adapter.AddSockets(options, rooms);
        }
    }

    public void DeleteSockets(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (var child in parent.Children)
        {
            child.Adapter.DeleteSockets(options, rooms);
        }
    }

    public void DisconnectSockets(BroadcastOptions options, bool close)
    {
        foreach (var child in parent.Children)
        {
            child.Adapter.DisconnectSockets(options, close);
        }
    }

    public void ServerSideEmit(string eventName, object?[] args)
    {
        // A single server has nobody to tell.
    }

    public Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout) =>
        Task.FromResult<IReadOnlyList<JToken>>([]);
}
