using System.Collections.Immutable;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.SocketIo;

/// <summary>
/// A socket returned by <c>FetchSocketsAsync</c>: a snapshot of its id, handshake, rooms and data,
/// and operations that go through the adapter (addressing the socket's own room), so they work
/// the same whether the socket lives on this server or, with a cluster adapter, on another one.
/// </summary>
public sealed class RemoteSocket
{
    private readonly Namespace _namespace;
    private readonly BroadcastOptions _self;

    /// <summary>Creates a handle (adapters do this, from a local socket or from another server's answer).</summary>
    public RemoteSocket(Namespace ns, string id, SocketHandshake handshake, IReadOnlySet<string> rooms, IReadOnlyDictionary<string, object?> data)
    {
        _namespace = ns;
        Id = id;
        Handshake = handshake;
        Rooms = rooms;
        Data = data;
        _self = new BroadcastOptions(ImmutableHashSet.Create(StringComparer.Ordinal, id), ImmutableHashSet<string>.Empty);
    }

    /// <summary>The socket id.</summary>
    public string Id { get; }

    /// <summary>The handshake of the socket, auth included.</summary>
    public SocketHandshake Handshake { get; }

    /// <summary>Its rooms when fetched (own-id room included).</summary>
    public IReadOnlySet<string> Rooms { get; }

    /// <summary>A copy of its <see cref="Socket.Data"/> when fetched.</summary>
    public IReadOnlyDictionary<string, object?> Data { get; }

    /// <summary>Sends an event to the socket.</summary>
    public bool Emit(string eventName, params object?[] args) => Target.Emit(eventName, args);

    /// <summary>Makes the socket join <paramref name="rooms"/>.</summary>
    public void Join(params string[] rooms) => Target.SocketsJoin(rooms);

    /// <summary>Makes the socket leave <paramref name="rooms"/>.</summary>
    public void Leave(params string[] rooms) => Target.SocketsLeave(rooms);

    /// <summary>Disconnects the socket; with <paramref name="close"/>, its underlying connection too.</summary>
    public void Disconnect(bool close = false) => Target.DisconnectSockets(close);

    /// <summary>The socket's own room, as a broadcast target (with its server-side operations).</summary>
    public BroadcastOperator Target => new(_namespace, _self);
}
