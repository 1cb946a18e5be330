using System.Collections.Concurrent;

namespace SocketIoChat.SocketIo.Adapter;

public abstract partial class SocketIoAdapter
{
    private protected enum RoomChangeKind { Created, Joined, Left, Deleted }

    private protected readonly record struct RoomChange(RoomChangeKind Kind, string Room, string SocketId);

    /// <summary>
    /// Raises room events in the order the changes happened, one at a time, on a thread-pool
    /// thread: a join made inside a broadcast loop or under a socket's close must not run user
    /// code there (a slow or throwing handler would stall or break that loop).
    /// </summary>
    private sealed class RoomEventQueue(SocketIoAdapter adapter)
    {
        private readonly ConcurrentQueue<RoomChange> _pending = new();
        private int _draining;

        public void Enqueue(List<RoomChange> changes)
        {
            foreach (var change in changes)
            {
                _pending.Enqueue(change);
            }
            if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Drain(), this, preferLocal: false);
            }
        }

        private void Drain()
        {
            while (true)
            {
                while (_pending.TryDequeue(out var change))
                {
                    adapter.Invoke(change);
                }
                Volatile.Write(ref _draining, 0);
                // A change queued after the last dequeue but before the flag was cleared would be
                // stranded: take the drain back if there is one and nobody else did.
                if (_pending.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
                {
                    return;
                }
            }
        }
    }
}
