using System.Globalization;
using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// Connection state recovery on this server (Node <c>SessionAwareAdapter</c>): the sessions of
/// sockets that lost their connection, and a log of the events sent here, both kept for
/// <see cref="ConnectionStateRecoveryOptions.MaxDisconnectionDuration"/> and pruned lazily (no timer).
/// Everything here runs under the rooms' lock, the one a broadcast stores its packet and gathers
/// its recipients under: a restore racing with broadcasts neither loses nor repeats one. The
/// default adapter of a namespace with recovery on; a cluster adapter whose peers cannot
/// recover sessions may derive from it so that a client coming back to the same server recovers.
/// Without <see cref="Namespace"/> recovery it stores nothing.
/// </summary>
public class SessionAwareAdapter : SocketIoAdapter
{
    private readonly ConnectionStateRecoveryOptions? _recovery;

    /// <summary>Creates the adapter of <paramref name="ns"/>.</summary>
    public SessionAwareAdapter(Namespace ns)
        : base(ns)
    {
        _recovery = ns.Recovery;
    }

    // Offsets are "<prefix><sequence>": the prefix (random per adapter) keeps an offset of another
    // namespace or an earlier server process from matching; the sequence finds the entry directly.
    private readonly string _offsetPrefix = RandomIds.New()[..8] + ".";
    private readonly List<StoredPacket> _log = [];
    private readonly Dictionary<string, (PersistedSession Session, long DisconnectedAt)> _sessions = new(StringComparer.Ordinal);
    private int _logHead;
    private long _nextSequence;
    private long _lastSweep;

    private readonly record struct StoredPacket(long Sequence, BroadcastPacket Packet, BroadcastOptions Options, long StoredAt);

    private TimeProvider Time => Namespace.Server.Time;

    /// <summary>
    /// Gives an event without acknowledgement that is not volatile its offset and appends it to
    /// the log; under the lock, with the recipients gathered.
    /// </summary>
    private protected override void OnBroadcastLocked(BroadcastPacket packet, BroadcastOptions options)
    {
        if (_recovery is null || packet.AckId >= 0 || options.Volatile)
        {
            return;
        }
        var now = Time.GetTimestamp();
        PruneLog(now);
        var sequence = _nextSequence++;
        packet.SetOffset(_offsetPrefix + sequence.ToString(CultureInfo.InvariantCulture));
        _log.Add(new StoredPacket(sequence, packet, options, now));
    }

    /// <inheritdoc />
    public override Task PersistSessionAsync(PersistedSession session, CancellationToken cancellationToken = default)
    {
        if (_recovery is null)
        {
            return Task.CompletedTask;
        }
        lock (RoomLock)
        {
            var now = Time.GetTimestamp();
            Sweep(now);
            _sessions[session.Pid] = (session, now);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task<RecoveredSession?> RestoreSessionAsync(string pid, string offset, CancellationToken cancellationToken = default)
    {
        if (_recovery is null)
        {
            return Task.FromResult<RecoveredSession?>(null);
        }
        lock (RoomLock)
        {
            var now = Time.GetTimestamp();
            if (!_sessions.TryGetValue(pid, out var entry))
            {
                return Task.FromResult<RecoveredSession?>(null);
            }
            if (Time.GetElapsedTime(entry.DisconnectedAt, now) > _recovery.MaxDisconnectionDuration)
            {
                _sessions.Remove(pid);
                return Task.FromResult<RecoveredSession?>(null);
            }
            PruneLog(now);
            var index = IndexOf(offset);
            if (index < 0)
            {
                // The offset is too old (or not ours): a fresh connection.
                return Task.FromResult<RecoveredSession?>(null);
            }
            _sessions.Remove(pid);
            var missed = new List<BroadcastPacket>();
            for (var i = index + 1; i < _log.Count; i++)
            {
                if (IsFor(entry.Session.Rooms, _log[i].Options))
                {
                    missed.Add(_log[i].Packet);
                }
            }
            return Task.FromResult<RecoveredSession?>(new RecoveredSession(entry.Session, missed) { LastSequence = _nextSequence - 1 });
        }
    }

    /// <summary>
    /// Registers a recovered socket in its rooms and holds on it, after the missed packets, those
    /// stored since the restore looked (middleware may have run meanwhile). From here on
    /// broadcasts target it, so each packet reaches it exactly once, in log order.
    /// </summary>
    internal override void AddRecovered(Socket socket, RecoveredSession session)
    {
        if (session.LastSequence < 0)
        {
            // Not restored by this log (a derived adapter's own store): nothing of ours to add.
            base.AddRecovered(socket, session);
            return;
        }
        AddAllThen(socket.Id, [socket.Id, .. session.Session.Rooms], () =>
        {
            var start = _logHead < _log.Count
                ? _logHead + (int)Math.Max(0, session.LastSequence + 1 - _log[_logHead].Sequence)
                : _log.Count;
            for (var i = start; i < _log.Count; i++)
            {
                if (IsFor(session.Session.Rooms, _log[i].Options))
                {
                    socket.Hold(_log[i].Packet);
                }
            }
        });
    }

    /// <summary>Whether a socket in <paramref name="rooms"/> was a recipient of a broadcast with these options (Node <c>shouldIncludePacket</c>).</summary>
    private static bool IsFor(IReadOnlyCollection<string> rooms, BroadcastOptions options)
    {
        var included = options.Rooms.Count == 0;
        foreach (var room in rooms)
        {
            if (options.Except.Contains(room))
            {
                return false;
            }
            included |= options.Rooms.Contains(room);
        }
        return included;
    }

    private int IndexOf(string offset)
    {
        if (!offset.StartsWith(_offsetPrefix, StringComparison.Ordinal)
            || !long.TryParse(offset.AsSpan(_offsetPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            || _logHead >= _log.Count)
        {
            return -1;
        }
        var distance = sequence - _log[_logHead].Sequence;
        if (distance < 0 || distance >= _log.Count - _logHead)
        {
            return -1;
        }
        return _logHead + (int)distance;
    }

    /// <summary>Drops the packets older than the recovery window from the front of the log.</summary>
    private void PruneLog(long now)
    {
        var max = _recovery!.MaxDisconnectionDuration;
        while (_logHead < _log.Count && Time.GetElapsedTime(_log[_logHead].StoredAt, now) > max)
        {
            _log[_logHead++] = default;
        }
        // Compact once the dropped front outweighs what is kept (amortized O(1) per packet).
        if (_logHead > 64 && _logHead * 2 > _log.Count)
        {
            _log.RemoveRange(0, _logHead);
            _logHead = 0;
        }
    }

    /// <summary>Drops expired sessions (and packets), at most once a minute or once per window.</summary>
    private void Sweep(long now)
    {
        var max = _recovery!.MaxDisconnectionDuration;
        var interval = max < TimeSpan.FromMinutes(1) ? max : TimeSpan.FromMinutes(1);
        if (Time.GetElapsedTime(_lastSweep, now) < interval)
        {
            return;
        }
        _lastSweep = now;
        List<string>? expired = null;
        foreach (var (pid, entry) in _sessions)
        {
            if (Time.GetElapsedTime(entry.DisconnectedAt, now) > max)
            {
                (expired ??= []).Add(pid);
            }
        }
        foreach (var pid in expired ?? [])
        {
            _sessions.Remove(pid);
        }
        PruneLog(now);
    }
}
