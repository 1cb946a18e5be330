using System.Buffers;
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
        // Recipients are gathered into a pooled array under the lock and sent to outside it (a send
        // that closes a slow client re-enters the adapter): no allocation per recipient.
        Socket[] targets;
        var count = 0;
        lock (_lock)
        {
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
        ns.Server.Metrics.Broadcast(ns.Name, count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                targets[i].Client.Send(packet, options.Volatile);
            }
        }
        finally
        {
            Array.Clear(targets, 0, count);
            ArrayPool<Socket>.Shared.Return(targets);
        }
    }

    [ThreadStatic]
    private static HashSet<string>? t_seen;

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
