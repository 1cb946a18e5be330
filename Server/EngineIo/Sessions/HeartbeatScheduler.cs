namespace SocketIoChat.EngineIo.Sessions;

/// <summary>
/// One timer for every session of a server: sessions register their next deadline (ping to send,
/// pong overdue, client ping overdue, drain grace) and the scheduler calls them back when it passes.
/// A deadline that a session has since moved is recognised by its value and skipped. The queue holds
/// each session's <see cref="HeartbeatTicket"/>, not the session: a removed session lets go of its
/// ticket, so deadlines it will never need do not keep it alive (a ping interval's worth of closed
/// sessions otherwise).
/// </summary>
internal sealed class HeartbeatScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly PriorityQueue<HeartbeatTicket, long> _queue = new();
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private long _armedFor = long.MaxValue;

    public HeartbeatScheduler(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public long Now => _time.GetTimestamp();

    public long After(TimeSpan delay) => Now + Ticks(delay);

    public long Ticks(TimeSpan delay) => (long)(delay.TotalSeconds * _time.TimestampFrequency);

    public void Schedule(EngineSession session, long due)
    {
        lock (_lock)
        {
            _queue.Enqueue(session.HeartbeatTicket, due);
            if (due < _armedFor)
            {
                Arm(due);
            }
        }
    }

    private void Arm(long due)
    {
        _armedFor = due;
        var delay = _time.GetElapsedTime(Now, due);
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void Fire()
    {
        List<(HeartbeatTicket Ticket, long Due)>? due = null;
        lock (_lock)
        {
            _armedFor = long.MaxValue;
            var now = Now;
            while (_queue.TryPeek(out var ticket, out var when) && when <= now)
            {
                _queue.Dequeue();
                (due ??= []).Add((ticket, when));
            }
            if (_queue.TryPeek(out _, out var next))
            {
                Arm(next);
            }
            else if (due is not null)
            {
                // Empty after a storm: give back the array that grew to the peak session count.
                _queue.TrimExcess();
            }
        }
        if (due is null)
        {
            return;
        }
        // Called outside the lock: a session may reschedule itself from its callback.
        foreach (var (ticket, when) in due)
        {
            ticket.Session?.OnDeadline(when);
        }
    }

    public void Dispose() => _timer.Dispose();
}

/// <summary>A session's place in the heartbeat queue: the session until it is removed, then nothing.</summary>
internal sealed class HeartbeatTicket(EngineSession session)
{
    private EngineSession? _session = session;

    public EngineSession? Session => Volatile.Read(ref _session);

    public void Release() => Volatile.Write(ref _session, null);
}
