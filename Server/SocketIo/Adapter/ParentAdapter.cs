using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// The adapter of a parent namespace (<c>io.Of(regex)</c>, Node's <c>ParentBroadcastAdapter</c>):
/// it has no sockets of its own, so broadcasts and the operations on sets of sockets go to each
/// child namespace's adapter — cluster-wide when the children's adapters are.
/// </summary>
internal sealed class ParentAdapter(Namespace ns) : SocketIoAdapter(ns)
{
    private IReadOnlyList<Namespace> Children => Namespace.Children;

    public override IReadOnlyCollection<string> Sockets(BroadcastOptions options) =>
        [.. Children.SelectMany(c => c.Adapter.Sockets(options))];

    public override Task BroadcastAsync(BroadcastPacket packet, BroadcastOptions options, CancellationToken cancellationToken = default) =>
        // Each child's sockets expect packets addressed to their own namespace.
        Task.WhenAll(Children.Select(child => child.Adapter.BroadcastAsync(ForChild(child, packet, options), options, cancellationToken)));

    public override Task BroadcastWithAckAsync(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack, CancellationToken cancellationToken = default)
    {
        // The caller counts one report per server: add up the children's before reporting once.
        var children = Children;
        var total = 0;
        var reported = 0;
        void OnChildCount(int n)
        {
            Interlocked.Add(ref total, n);
            if (Interlocked.Increment(ref reported) == children.Count)
            {
                clientCount(Volatile.Read(ref total));
            }
        }
        if (children.Count == 0)
        {
            clientCount(0);
            return Task.CompletedTask;
        }
        return Task.WhenAll(children.Select(child => child.Adapter.BroadcastWithAckAsync(ForChild(child, packet, options), options, OnChildCount, ack, cancellationToken)));
    }

    public override async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        var all = await Task.WhenAll(Children.Select(child => child.Adapter.FetchSocketsAsync(options, cancellationToken)));
        return [.. all.SelectMany(sockets => sockets)];
    }

    public override Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        Task.WhenAll(Children.Select(child => child.Adapter.AddSocketsAsync(options, rooms, cancellationToken)));

    public override Task DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        Task.WhenAll(Children.Select(child => child.Adapter.DeleteSocketsAsync(options, rooms, cancellationToken)));

    public override Task DisconnectSocketsAsync(BroadcastOptions options, bool close, CancellationToken cancellationToken = default) =>
        Task.WhenAll(Children.Select(child => child.Adapter.DisconnectSocketsAsync(options, close, cancellationToken)));

    private static BroadcastPacket ForChild(Namespace child, BroadcastPacket packet, BroadcastOptions options) =>
        new(child.Name, packet.EventName, [.. packet.Args], packet.AckId, options.Compress);
}
