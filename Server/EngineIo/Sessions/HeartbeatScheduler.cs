namespace SocketIoChat.EngineIo.Sessions;

/// <summary>
/// One timer for every session of a server: sessions register their next deadline (ping to send,
/// pong overdue, client ping overdue, drain grace) and the scheduler calls them back when it passes.
/// A deadline that a session has since moved is recognised by its value and skipped.
/// </summary>
internal sealed class HeartbeatScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly PriorityQueue<EngineSession, long> _queue = new();
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
            _queue.Enqueue(session, due);
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
        List<(EngineSession Session, long Due)>? due = null;
        lock (_lock)
        {
            _armedFor = long.MaxValue;
            var now = Now;
            while (_queue.TryPeek(out var session, out var when) && when <= now)
            {
                _queue.Dequeue();
                (due ??= []).Add((session, when));
            }
            if (_queue.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }
        if (due is null)
        {
            return;
        }
        // Called outside the lock: a session may reschedule itself from its callback.
        foreach (var (session, when) in due)
        {
            session.OnDeadline(when);
        }
    }

    public void Dispose() => _timer.Dispose();
}
