using System.Buffers;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>The single-process adapter: rooms in dictionaries, broadcast straight to the local sockets.</summary>
internal sealed partial class InMemoryAdapter(Namespace ns) : IAdapter
{
    private static readonly Task<int> OneServer = Task.FromResult(1);
    private static readonly Task<IReadOnlyList<JToken>> NoServerAnswers = Task.FromResult<IReadOnlyList<JToken>>([]);

    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _socketRooms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public event Action<string>? RoomCreated;
    public event Action<string, string>? RoomJoined;
    public event Action<string, string>? RoomLeft;
    public event Action<string>? RoomDeleted;

    private enum RoomChange { Created, Joined, Left, Deleted }

    /// <summary>Room events gathered under the lock and raised after it; null when nobody listens.</summary>
    private List<(RoomChange Change, string Room, string SocketId)>? NewChangeList() =>
        RoomCreated is null && RoomJoined is null && RoomLeft is null && RoomDeleted is null ? null : [];

    public void AddAll(string socketId, IEnumerable<string> rooms)
    {
        var changes = NewChangeList();
        lock (_lock)
        {
            AddAllLocked(socketId, rooms, changes);
        }
        Raise(changes);
    }

    private void AddAllLocked(string socketId, IEnumerable<string> rooms, List<(RoomChange, string, string)>? changes)
    {
        if (!_socketRooms.TryGetValue(socketId, out var own))
        {
            _socketRooms[socketId] = own = new HashSet<string>(StringComparer.Ordinal);
        }
        foreach (var room in rooms)
        {
            own.Add(room);
            if (!_rooms.TryGetValue(room, out var members))
            {
                _rooms[room] = members = new HashSet<string>(StringComparer.Ordinal);
                changes?.Add((RoomChange.Created, room, socketId));
            }
            if (members.Add(socketId))
            {
                changes?.Add((RoomChange.Joined, room, socketId));
            }
        }
    }

    public void Delete(string socketId, string room)
    {
        var changes = NewChangeList();
        lock (_lock)
        {
            if (_socketRooms.TryGetValue(socketId, out var own))
            {
                own.Remove(room);
            }
            RemoveMember(room, socketId, changes);
        }
        Raise(changes);
    }

    public void DeleteAll(string socketId)
    {
        var changes = NewChangeList();
        lock (_lock)
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

    private void RemoveMember(string room, string socketId, List<(RoomChange, string, string)>? changes)
    {
        if (_rooms.TryGetValue(room, out var members) && members.Remove(socketId))
        {
            changes?.Add((RoomChange.Left, room, socketId));
            if (members.Count == 0)
            {
                _rooms.Remove(room);
                changes?.Add((RoomChange.Deleted, room, socketId));
            }
        }
    }

    private void Raise(List<(RoomChange Change, string Room, string SocketId)>? changes)
    {
        if (changes is null)
        {
            return;
        }
        foreach (var (change, room, socketId) in changes)
        {
            try
            {
                switch (change)
                {
                    case RoomChange.Created:
                        RoomCreated?.Invoke(room);
                        break;
                    case RoomChange.Joined:
                        RoomJoined?.Invoke(room, socketId);
                        break;
                    case RoomChange.Left:
                        RoomLeft?.Invoke(room, socketId);
                        break;
                    case RoomChange.Deleted:
                        RoomDeleted?.Invoke(room);
                        break;
                }
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(ns.Server.Logger, socketId, "room " + change, ex);
            }
        }
    }

    public IReadOnlySet<string> SocketRooms(string socketId)
    {
        lock (_lock)
        {
            return _socketRooms.TryGetValue(socketId, out var own)
                ? new HashSet<string>(own, StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal);
        }
    }

    public IReadOnlyCollection<string> Rooms()
    {
        lock (_lock)
        {
            return [.. _rooms.Keys];
        }
    }

    public IReadOnlyCollection<string> Sockets(BroadcastOptions options)
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

    public void Broadcast(BroadcastPacket packet, BroadcastOptions options)
    {
        // Recipients are gathered into a pooled array under the lock and sent to outside it (a send
        // that closes a slow client re-enters the adapter): no allocation per recipient. With
        // recovery on, the packet is stored under the same lock, so the log and the recipients agree.
        var store = _recovery is not null && packet.AckId < 0 && !options.Volatile;
        var (targets, count) = Targets(options, store ? packet : null);
        ns.Server.Metrics.Broadcast(ns.Name, count);
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
    }

    public void BroadcastWithAck(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack)
    {
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
        clientCount(count);
    }

    public Task<int> ServerCountAsync() => OneServer;

    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options)
    {
        var (targets, count) = Targets(options);
        try
        {
            var result = new RemoteSocket[count];
            for (var i = 0; i < count; i++)
            {
                var socket = targets[i];
                result[i] = new RemoteSocket(ns, socket.Id, socket.Handshake, socket.Rooms, socket.DataSnapshot());
            }
            return Task.FromResult<IReadOnlyList<RemoteSocket>>(result);
        }
        finally
        {
            ReturnTargets(targets, count);
        }
    }

    public void AddSockets(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        ForEachTarget(options, socket => socket.Join([.. rooms]));

    public void DeleteSockets(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        ForEachTarget(options, socket =>
        {
            foreach (var room in rooms)
            {
                socket.Leave(room);
            }
        });

    public void DisconnectSockets(BroadcastOptions options, bool close) =>
        ForEachTarget(options, socket => socket.Disconnect(close));

    public void ServerSideEmit(string eventName, object?[] args)
    {
        // A single server has nobody to tell.
    }

    public Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout) => NoServerAnswers;

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
    private (Socket[] Targets, int Count) Targets(BroadcastOptions options, BroadcastPacket? store = null)
    {
        Socket[] targets;
        var count = 0;
        lock (_lock)
        {
            if (store is not null)
            {
                Store(store, options);
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
        if (!IsExcluded(id, options) && ns.Sockets.TryGetValue(id, out var socket))
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
