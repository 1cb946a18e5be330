using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>The single-process adapter: rooms in dictionaries, broadcast straight to the local sockets.</summary>
internal sealed class InMemoryAdapter(Namespace ns) : IAdapter
{
    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _socketRooms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void AddAll(string socketId, IEnumerable<string> rooms)
    {
        lock (_lock)
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
                }
                members.Add(socketId);
            }
        }
    }

    public void Delete(string socketId, string room)
    {
        lock (_lock)
        {
            if (_socketRooms.TryGetValue(socketId, out var own))
            {
                own.Remove(room);
            }
            RemoveMember(room, socketId);
        }
    }

    public void DeleteAll(string socketId)
    {
        lock (_lock)
        {
            if (!_socketRooms.Remove(socketId, out var own))
            {
                return;
            }
            foreach (var room in own)
            {
                RemoveMember(room, socketId);
            }
        }
    }

    private void RemoveMember(string room, string socketId)
    {
        if (_rooms.TryGetValue(room, out var members) && members.Remove(socketId) && members.Count == 0)
        {
            _rooms.Remove(room);
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

    public IReadOnlyCollection<string> Sockets(BroadcastOptions options)
    {
        var result = new List<string>();
        lock (_lock)
        {
            ForEachTarget(options, result.Add);
        }
        return result;
    }

    public void Broadcast(EngineMessage[] packet, BroadcastOptions options)
    {
        var targets = new List<Socket>();
        lock (_lock)
        {
            ForEachTarget(options, id =>
            {
                if (ns.Sockets.TryGetValue(id, out var socket))
                {
                    targets.Add(socket);
                }
            });
        }
        // Sent outside the lock: a send that closes a slow client re-enters the adapter.
        foreach (var socket in targets)
        {
            socket.Client.Send(packet, options.Volatile);
        }
    }

    private void ForEachTarget(BroadcastOptions options, Action<string> visit)
    {
        if (options.Rooms.Count == 0)
        {
            foreach (var id in _socketRooms.Keys)
            {
                if (!IsExcluded(id, options))
                {
                    visit(id);
                }
            }
            return;
        }
        HashSet<string>? seen = options.Rooms.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var room in options.Rooms)
        {
            if (!_rooms.TryGetValue(room, out var members))
            {
                continue;
            }
            foreach (var id in members)
            {
                if ((seen is null || seen.Add(id)) && !IsExcluded(id, options))
                {
                    visit(id);
                }
            }
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
