using System.Buffers;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// Keeps a namespace's rooms and delivers its broadcasts (Node's <c>Adapter</c>): one instance per
/// namespace per server, made by the server's <see cref="ISocketIoAdapterFactory"/>. This base
/// class is the single-server adapter: rooms in dictionaries, broadcasts straight to the local
/// sockets. A cluster adapter derives from it, overrides the operations that cross the network
/// (every one of them is asynchronous and takes a <see cref="CancellationToken"/>) and calls the
/// protected <c>…Local</c> methods for this server's share of the work.
/// </summary>
/// <remarks>
/// Room events are raised after the change, in order, on a thread of their own: never under the
/// adapter's lock, never inside another socket's broadcast loop.
/// </remarks>
public abstract partial class SocketIoAdapter : IAsyncDisposable
{
    private static readonly Task<int> OneServer = Task.FromResult(1);
    private static readonly Task<IReadOnlyList<JToken>> NoServerAnswers = Task.FromResult<IReadOnlyList<JToken>>([]);
    private static readonly Task<RecoveredSession?> NoSession = Task.FromResult<RecoveredSession?>(null);

    private readonly Dictionary<string, CompactStringSet> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompactStringSet> _socketRooms = new(StringComparer.Ordinal);
    private readonly RoomEventQueue _roomEvents;

    /// <summary>Guards the rooms; a derived class in this assembly may keep more state under it.</summary>
    private protected readonly Lock RoomLock = new();

    /// <summary>Creates the adapter of <paramref name="ns"/>.</summary>
    protected SocketIoAdapter(Namespace ns)
    {
        Namespace = ns;
        _roomEvents = new RoomEventQueue(this);
    }

    /// <summary>The namespace whose rooms this adapter keeps.</summary>
    public Namespace Namespace { get; }

    /// <summary>A room got its first member on this server (Node <c>create-room</c>).</summary>
    public event Action<string>? RoomCreated;

    /// <summary>A socket of this server joined a room: room, socket id (Node <c>join-room</c>).</summary>
    public event Action<string, string>? RoomJoined;

    /// <summary>A socket of this server left a room: room, socket id (Node <c>leave-room</c>).</summary>
    public event Action<string, string>? RoomLeft;

    /// <summary>A room lost its last member on this server (Node <c>delete-room</c>).</summary>
    public event Action<string>? RoomDeleted;

    /// <summary>
    /// Starts the adapter (subscriptions and the like). Called once by the server right after the
    /// adapter is created; what the namespace does meanwhile must not depend on it being finished.
    /// </summary>
    public virtual Task InitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Stops the adapter: the server is stopping or the (child) namespace was removed.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    // ---- Rooms of the local sockets (Node addAll, del, delAll, socketRooms) ----

    /// <summary>Adds a local socket to rooms.</summary>
    public void AddAll(string socketId, IEnumerable<string> rooms)
    {
        var changes = NewChangeList();
        lock (RoomLock)
        {
            AddAllLocked(socketId, rooms, changes);
        }
        Raise(changes);
    }

    /// <summary>Removes a local socket from one room.</summary>
    public void Delete(string socketId, string room)
    {
        var changes = NewChangeList();
        lock (RoomLock)
        {
            if (_socketRooms.TryGetValue(socketId, out var own))
            {
                own.Remove(room);
            }
            RemoveMember(room, socketId, changes);
        }
        Raise(changes);
    }

    /// <summary>Removes a local socket from all its rooms.</summary>
    public void DeleteAll(string socketId)
    {
        var changes = NewChangeList();
        lock (RoomLock)
        {
            if (!_socketRooms.Remove(socketId, out var own))
            {
                return;
            }
            foreach (var room in own)
            {
                RemoveMember(room, socketId, changes);
            }
        }
        Raise(changes);
    }

    /// <summary>The rooms of a local socket.</summary>
    public IReadOnlySet<string> SocketRooms(string socketId)
    {
        lock (RoomLock)
        {
            return _socketRooms.TryGetValue(socketId, out var own)
                ? new HashSet<string>(own, StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>The names of the rooms that have members on this server (socket-id rooms included).</summary>
    public IReadOnlyCollection<string> Rooms()
    {
        lock (RoomLock)
        {
            return [.. _rooms.Keys];
        }
    }

    /// <summary>The ids of the local sockets a broadcast with these options would reach.</summary>
    public virtual IReadOnlyCollection<string> Sockets(BroadcastOptions options)
    {
        var (targets, count) = Targets(options);
        try
        {
            var ids = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = targets[i].Id;
            }
            return ids;
        }
        finally
        {
            ReturnTargets(targets, count);
        }
    }

    // ---- Operations that may cross the network: single-server defaults ----

    /// <summary>
    /// Sends the packet (encoded once) to every targeted socket. A cluster adapter also forwards
    /// it to the other servers unless <see cref="BroadcastOptions.Local"/>; it must start that
    /// before returning, so that broadcasts leave in the order they were made.
    /// </summary>
    public virtual Task BroadcastAsync(BroadcastPacket packet, BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        BroadcastLocal(packet, options);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sends the packet (which carries an ack id) to every targeted socket and registers
    /// <paramref name="ack"/> for each one's answer. <paramref name="clientCount"/> is called once
    /// per server with how many sockets it sent to (the reference's <c>broadcastWithAck</c>); the
    /// caller compares the number of calls with <see cref="ServerCountAsync"/>.
    /// </summary>
    public virtual Task BroadcastWithAckAsync(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack, CancellationToken cancellationToken = default)
    {
        clientCount(BroadcastWithAckLocal(packet, options, ack));
        return Task.CompletedTask;
    }

    /// <summary>How many servers share this namespace (1 without a cluster).</summary>
    public virtual Task<int> ServerCountAsync(CancellationToken cancellationToken = default) => OneServer;

    /// <summary>The rooms with members anywhere in the cluster (Node <c>allRooms</c>).</summary>
    public virtual Task<IReadOnlySet<string>> AllRoomsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(Rooms(), StringComparer.Ordinal));

    /// <summary>The targeted sockets, as handles that work wherever the socket lives (Node <c>fetchSockets</c>).</summary>
    public virtual Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default) =>
        Task.FromResult(FetchSocketsLocal(options));

    /// <summary>Makes the targeted sockets join <paramref name="rooms"/> (Node <c>addSockets</c>).</summary>
    public virtual Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default)
    {
        AddSocketsLocal(options, rooms);
        return Task.CompletedTask;
    }

    /// <summary>Makes the targeted sockets leave <paramref name="rooms"/> (Node <c>delSockets</c>).</summary>
    public virtual Task DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default)
    {
        DeleteSocketsLocal(options, rooms);
        return Task.CompletedTask;
    }

    /// <summary>Disconnects the targeted sockets; with <paramref name="close"/>, their connections too.</summary>
    public virtual Task DisconnectSocketsAsync(BroadcastOptions options, bool close, CancellationToken cancellationToken = default)
    {
        DisconnectSocketsLocal(options, close);
        return Task.CompletedTask;
    }

    /// <summary>Sends an event to the other servers of the cluster (nothing to do for a single server).</summary>
    public virtual Task ServerSideEmitAsync(string eventName, object?[] args, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Sends an event to the other servers and collects their acknowledgements (the first
    /// argument of each) within <paramref name="timeout"/>; an empty list for a single server.
    /// </summary>
    /// <exception cref="TimeoutException">Some servers did not answer in time (a cluster adapter's choice).</exception>
    public virtual Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        NoServerAnswers;

    /// <summary>
    /// Keeps the state of a socket that lost its connection for a recoverable reason (Node
    /// <c>persistSession</c>); called only with connection state recovery on. Nothing by default.
    /// </summary>
    public virtual Task PersistSessionAsync(PersistedSession session, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Finds the session <paramref name="pid"/> and the events it missed after
    /// <paramref name="offset"/> (Node <c>restoreSession</c>); null when the session is unknown or
    /// expired, or the offset is no longer kept. A session is restored at most once. Null by default.
    /// </summary>
    public virtual Task<RecoveredSession?> RestoreSessionAsync(string pid, string offset, CancellationToken cancellationToken = default) => NoSession;

    /// <summary>
    /// Puts a recovered socket into its rooms. By default that is all; an adapter that keeps
    /// packets locally also hands the socket those stored since <see cref="RestoreSessionAsync"/> looked.
    /// </summary>
    internal virtual void AddRecovered(Socket socket, RecoveredSession session) =>
        AddAll(socket.Id, [socket.Id, .. session.Session.Rooms]);

    // ---- This server's share, for derived adapters ----

    /// <summary>Sends the packet to the targeted local sockets; returns how many it reached.</summary>
    protected int BroadcastLocal(BroadcastPacket packet, BroadcastOptions options)
    {
        // Recipients are gathered into a pooled array under the lock and sent to outside it (a send
        // that closes a slow client re-enters the adapter): no allocation per recipient.
        var (targets, count) = Targets(options, packet);
        Namespace.Server.Metrics.Broadcast(Namespace.Name, count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = targets[i];
                socket.NotifyOutgoing(packet.EventName, packet.Args);
                socket.Deliver(packet, options.Volatile);
            }
        }
        finally
        {
            ReturnTargets(targets, count);
        }
        return count;
    }

    /// <summary>
    /// Sends the packet (with its ack id) to the targeted local sockets and calls
    /// <paramref name="ack"/> with each one's answer; returns how many it reached.
    /// </summary>
    protected int BroadcastWithAckLocal(BroadcastPacket packet, BroadcastOptions options, Action<JArray> ack)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(packet.AckId);
        // One callback for every recipient (null means the socket went away before answering).
        Action<JArray?> onAnswer = answer =>
        {
            if (answer is not null)
            {
                ack(answer);
            }
        };
        var (targets, count) = Targets(options);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = targets[i];
                // Registered before the send: a fast client may answer before the loop moves on.
                socket.RegisterAck(packet.AckId, onAnswer);
                socket.NotifyOutgoing(packet.EventName, packet.Args);
                socket.Deliver(packet, options.Volatile);
            }
        }
        finally
        {
            ReturnTargets(targets, count);
        }
        return count;
    }

    /// <summary>Forgets the acknowledgement <paramref name="ackId"/> on every local socket (its broadcast timed out).</summary>
    protected void ForgetAck(long ackId) => Namespace.ForgetAck(ackId);

    /// <summary>A packet of this namespace to broadcast; with <paramref name="withAck"/> it gets a fresh ack id of this server.</summary>
    protected BroadcastPacket NewPacket(string eventName, object?[] args, bool withAck = false, bool compress = true) =>
        new(Namespace.Name, eventName, args, withAck ? Namespace.Server.NextAckId() : -1, compress);

    /// <summary>The targeted local sockets as handles.</summary>
    protected IReadOnlyList<RemoteSocket> FetchSocketsLocal(BroadcastOptions options)
    {
        var (targets, count) = Targets(options);
        try
        {
            var result = new RemoteSocket[count];
            for (var i = 0; i < count; i++)
            {
                var socket = targets[i];
                result[i] = new RemoteSocket(Namespace, socket.Id, socket.Handshake, socket.Rooms, socket.DataSnapshot());
            }
            return result;
        }
        finally
        {
            ReturnTargets(targets, count);
        }
    }

    /// <summary>Makes the targeted local sockets join <paramref name="rooms"/>.</summary>
    protected void AddSocketsLocal(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        ForEachTarget(options, socket => AddAll(socket.Id, rooms));

    /// <summary>Makes the targeted local sockets leave <paramref name="rooms"/>.</summary>
    protected void DeleteSocketsLocal(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        ForEachTarget(options, socket =>
        {
            foreach (var room in rooms)
            {
                Delete(socket.Id, room);
            }
        });

    /// <summary>Disconnects the targeted local sockets; with <paramref name="close"/>, their connections too.</summary>
    protected void DisconnectSocketsLocal(BroadcastOptions options, bool close) =>
        ForEachTarget(options, socket => socket.Disconnect(close));

    /// <summary>
    /// Called under the rooms' lock just before a broadcast's local recipients are gathered, so a
    /// derived adapter in this assembly can log the packet atomically with its delivery.
    /// </summary>
    private protected virtual void OnBroadcastLocked(BroadcastPacket packet, BroadcastOptions options)
    {
    }

    // ---- Room bookkeeping ----

    private List<RoomChange>? NewChangeList() =>
        RoomCreated is null && RoomJoined is null && RoomLeft is null && RoomDeleted is null ? null : [];

    private protected void AddAllLocked(string socketId, IEnumerable<string> rooms, List<RoomChange>? changes)
    {
        if (!_socketRooms.TryGetValue(socketId, out var own))
        {
            _socketRooms[socketId] = own = new CompactStringSet();
        }
        foreach (var room in rooms)
        {
            own.Add(room);
            if (!_rooms.TryGetValue(room, out var members))
            {
                _rooms[room] = members = new CompactStringSet();
                changes?.Add(new RoomChange(RoomChangeKind.Created, room, socketId));
            }
            if (members.Add(socketId))
            {
                changes?.Add(new RoomChange(RoomChangeKind.Joined, room, socketId));
            }
        }
    }

    private void RemoveMember(string room, string socketId, List<RoomChange>? changes)
    {
        if (_rooms.TryGetValue(room, out var members) && members.Remove(socketId))
        {
            changes?.Add(new RoomChange(RoomChangeKind.Left, room, socketId));
            if (members.Count == 0)
            {
                _rooms.Remove(room);
                changes?.Add(new RoomChange(RoomChangeKind.Deleted, room, socketId));
            }
        }
    }

    /// <summary>Adds a recovered socket to its rooms under the lock, then runs <paramref name="locked"/> under it too.</summary>
    private protected void AddAllThen(string socketId, IEnumerable<string> rooms, Action locked)
    {
        var changes = NewChangeList();
        lock (RoomLock)
        {
            AddAllLocked(socketId, rooms, changes);
            locked();
        }
        Raise(changes);
    }

    private void Raise(List<RoomChange>? changes)
    {
        if (changes is { Count: > 0 })
        {
            _roomEvents.Enqueue(changes);
        }
    }

    /// <summary>Runs the room event handlers for one change; called by the room event queue.</summary>
    private void Invoke(RoomChange change)
    {
        try
        {
            switch (change.Kind)
            {
                case RoomChangeKind.Created:
                    RoomCreated?.Invoke(change.Room);
                    break;
                case RoomChangeKind.Joined:
                    RoomJoined?.Invoke(change.Room, change.SocketId);
                    break;
                case RoomChangeKind.Left:
                    RoomLeft?.Invoke(change.Room, change.SocketId);
                    break;
                case RoomChangeKind.Deleted:
                    RoomDeleted?.Invoke(change.Room);
                    break;
            }
        }
        catch (Exception ex)
        {
            SocketIoLog.HandlerFailed(Namespace.Server.Logger, change.SocketId, "room " + change.Kind, ex);
        }
    }

    private void ForEachTarget(BroadcastOptions options, Action<Socket> action)
    {
        var (targets, count) = Targets(options);
        try
        {
            for (var i = 0; i < count; i++)
            {
                action(targets[i]);
            }
        }
        finally
        {
            ReturnTargets(targets, count);
        }
    }

    [ThreadStatic]
    private static HashSet<string>? t_seen;

    /// <summary>The targeted local sockets, in a pooled array (give it back with <see cref="ReturnTargets"/>).</summary>
    private (Socket[] Targets, int Count) Targets(BroadcastOptions options, BroadcastPacket? broadcast = null)
    {
        Socket[] targets;
        var count = 0;
        lock (RoomLock)
        {
            if (broadcast is not null)
            {
                OnBroadcastLocked(broadcast, options);
            }
            targets = ArrayPool<Socket>.Shared.Rent(Math.Max(1, CandidateCount(options)));
            if (options.Rooms.Count == 0)
            {
                foreach (var id in _socketRooms.Keys)
                {
                    AddTarget(id, options, targets, ref count);
                }
            }
            else if (options.Rooms.Count == 1)
            {
                foreach (var room in options.Rooms)
                {
                    if (_rooms.TryGetValue(room, out var members))
                    {
                        foreach (var id in members)
                        {
                            AddTarget(id, options, targets, ref count);
                        }
                    }
                }
            }
            else
            {
                // A socket in several of the rooms is sent to once (the union of the rooms).
                var seen = t_seen ??= new HashSet<string>(StringComparer.Ordinal);
                foreach (var room in options.Rooms)
                {
                    if (_rooms.TryGetValue(room, out var members))
                    {
                        foreach (var id in members)
                        {
                            if (seen.Add(id))
                            {
                                AddTarget(id, options, targets, ref count);
                            }
                        }
                    }
                }
                seen.Clear();
            }
        }
        return (targets, count);
    }

    private static void ReturnTargets(Socket[] targets, int count)
    {
        Array.Clear(targets, 0, count);
        ArrayPool<Socket>.Shared.Return(targets);
    }

    private int CandidateCount(BroadcastOptions options)
    {
        if (options.Rooms.Count == 0)
        {
            return _socketRooms.Count;
        }
        var total = 0;
        foreach (var room in options.Rooms)
        {
            if (_rooms.TryGetValue(room, out var members))
            {
                total += members.Count;
            }
        }
        return total;
    }

    private void AddTarget(string id, BroadcastOptions options, Socket[] targets, ref int count)
    {
        if (!IsExcluded(id, options) && Namespace.Sockets.TryGetValue(id, out var socket))
        {
            targets[count++] = socket;
        }
    }

    private bool IsExcluded(string socketId, BroadcastOptions options)
    {
        if (options.Except.Count == 0)
        {
            return false;
        }
        var own = _socketRooms[socketId];
        foreach (var room in options.Except)
        {
            if (own.Contains(room))
            {
                return true;
            }
        }
        return false;
    }
}
