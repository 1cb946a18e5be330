namespace SocketIoChat.EngineIo.Sessions;

/// <summary>
/// A session's bounded queue of outbound packets: a small ring buffer locked on itself (one per
/// session, held for a few instructions, never while anything else runs; no lock object of its own, since
/// the queue is never exposed). It holds no array until
/// the first packet and gives a grown array back once drained, so an idle session costs a few
/// words. Polling waits on it with <see cref="WaitToReadAsync"/>; the WebSocket transport is told
/// by the session after each enqueue and drains it itself.
/// </summary>
internal sealed class OutboundQueue(int capacity)
{
    private const int InitialSize = 4;
    private const int KeptSize = 16;
    private EngineMessage[] _items = [];
    private int _head;
    private int _count;
    private bool _completed;
    private TaskCompletionSource? _waiter;

    /// <summary>Packets queued now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True once completed and drained, like a channel's completion.</summary>
    public bool IsFinished
    {
        get
        {
            lock (this)
            {
                return _completed && _count == 0;
            }
        }
    }

    /// <summary>Adds a packet; false when the queue is full or completed.</summary>
    public bool TryEnqueue(EngineMessage message)
    {
        TaskCompletionSource? waiter;
        lock (this)
        {
            if (_completed || _count == capacity)
            {
                return false;
            }
            if (_count == _items.Length)
            {
                Grow();
            }
            _items[(_head + _count) % _items.Length] = message;
            _count++;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
        return true;
    }

    public bool TryDequeue(out EngineMessage message)
    {
        lock (this)
        {
            if (_count == 0)
            {
                message = null!;
                return false;
            }
            message = _items[_head];
            _items[_head] = null!;
            _head = (_head + 1) % _items.Length;
            _count--;
            if (_count == 0)
            {
                _head = 0;
                if (_items.Length > KeptSize)
                {
                    // A burst is over: do not keep its array for the life of the session.
                    _items = [];
                }
            }
            return true;
        }
    }

    /// <summary>No packet is accepted from now on; what is queued can still be taken.</summary>
    public void Complete()
    {
        TaskCompletionSource? waiter;
        lock (this)
        {
            _completed = true;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
    }

    /// <summary>Completes when a packet is queued or the queue is completed.</summary>
    public Task WaitToReadAsync(CancellationToken cancellation)
    {
        lock (this)
        {
            if (_count > 0 || _completed)
            {
                return Task.CompletedTask;
            }
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task.WaitAsync(cancellation);
        }
    }

    private void Grow()
    {
        var larger = new EngineMessage[Math.Min(Math.Max(InitialSize, _items.Length * 2), capacity)];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = _items[(_head + i) % _items.Length];
        }
        _items = larger;
        _head = 0;
    }
}
