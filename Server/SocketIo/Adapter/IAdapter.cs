using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// Who a broadcast reaches and how: sockets in any of <see cref="Rooms"/> (all when empty), minus
/// those in <see cref="Except"/>, with the reference's flags. One instance is shared by every
/// emit of an immutable <see cref="BroadcastOperator"/>, so a broadcast allocates no options.
/// </summary>
public sealed record BroadcastOptions(IReadOnlySet<string> Rooms, IReadOnlySet<string> Except)
{
    /// <summary>Drop the packet for recipients whose transport cannot take it right now (Node <c>volatile</c>).</summary>
    public bool Volatile { get; init; }

    /// <summary>
    /// Whether the packet may be compressed (Node <c>compress</c>, default true); carried to the
    /// engine as <see cref="EngineIo.EngineMessage.Compress"/>.
    /// </summary>
    public bool Compress { get; init; } = true;

    /// <summary>
    /// Only the sockets of this server (Node <c>local</c>). The in-memory adapter has no other
    /// server, so it changes nothing there; a cluster adapter must not forward such a broadcast.
    /// </summary>
    public bool Local { get; init; }

    /// <summary>How long a broadcast with acknowledgements waits for the answers (Node <c>timeout</c>).</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// Keeps a namespace's rooms and delivers its broadcasts: the seam where a cluster adapter
/// (Redis and the like) plugs in later. Every server-side operation on a set of sockets
/// (<c>FetchSockets</c>, <c>SocketsJoin</c>, <c>DisconnectSockets</c>…) goes through here, so a
/// cluster adapter makes them cluster-wide. Room events are raised outside the adapter's lock.
/// </summary>
public interface IAdapter
{
    /// <summary>A room got its first member (Node <c>create-room</c>).</summary>
    event Action<string>? RoomCreated;

    /// <summary>A socket joined a room: room, socket id (Node <c>join-room</c>).</summary>
    event Action<string, string>? RoomJoined;

    /// <summary>A socket left a room: room, socket id (Node <c>leave-room</c>).</summary>
    event Action<string, string>? RoomLeft;

    /// <summary>A room lost its last member (Node <c>delete-room</c>).</summary>
    event Action<string>? RoomDeleted;

    /// <summary>Adds a socket to rooms.</summary>
    void AddAll(string socketId, IEnumerable<string> rooms);

    /// <summary>Removes a socket from one room.</summary>
    void Delete(string socketId, string room);

    /// <summary>Removes a socket from all its rooms.</summary>
    void DeleteAll(string socketId);

    /// <summary>The rooms of a socket.</summary>
    IReadOnlySet<string> SocketRooms(string socketId);

    /// <summary>The names of the rooms that have members on this server.</summary>
    IReadOnlyCollection<string> Rooms();

    /// <summary>The ids of the local sockets a broadcast with these options would reach.</summary>
    IReadOnlyCollection<string> Sockets(BroadcastOptions options);

    /// <summary>
    /// Queues the packet (encoded once) on every targeted socket. With connection state recovery
    /// on, an event without acknowledgement that is not volatile is first given an offset
    /// (<see cref="BroadcastPacket.Offset"/>) and kept, so a client that reconnects gets it.
    /// </summary>
    void Broadcast(BroadcastPacket packet, BroadcastOptions options);

    /// <summary>
    /// Queues the packet (which carries an ack id) on every targeted socket and registers
    /// <paramref name="ack"/> for each one's answer. <paramref name="clientCount"/> is called once
    /// per server with how many sockets it sent to (the reference's <c>broadcastWithAck</c>).
    /// </summary>
    void BroadcastWithAck(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack);

    /// <summary>
    /// Keeps the state of a socket that lost its connection for a recoverable reason (Node
    /// <c>persistSession</c>); called only with connection state recovery on.
    /// </summary>
    void PersistSession(PersistedSession session);

    /// <summary>
    /// Finds the session <paramref name="pid"/> and the events it missed after
    /// <paramref name="offset"/> (Node <c>restoreSession</c>); null when the session is unknown or
    /// expired, or the offset is no longer kept. A session is restored at most once.
    /// </summary>
    Task<RecoveredSession?> RestoreSessionAsync(string pid, string offset);

    /// <summary>How many servers share this namespace (1 for the in-memory adapter).</summary>
    Task<int> ServerCountAsync();

    /// <summary>The targeted sockets, as handles that work wherever the socket lives.</summary>
    Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options);

    /// <summary>Makes the targeted sockets join <paramref name="rooms"/>.</summary>
    void AddSockets(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Makes the targeted sockets leave <paramref name="rooms"/>.</summary>
    void DeleteSockets(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Disconnects the targeted sockets; with <paramref name="close"/>, their connections too.</summary>
    void DisconnectSockets(BroadcastOptions options, bool close);

    /// <summary>Sends an event to the other servers of the cluster (nothing to do for a single server).</summary>
    void ServerSideEmit(string eventName, object?[] args);

    /// <summary>
    /// Sends an event to the other servers and collects their acknowledgements within
    /// <paramref name="timeout"/> (an empty list for a single server).
    /// </summary>
    Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout);
}
