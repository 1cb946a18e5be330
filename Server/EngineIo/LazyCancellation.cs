namespace SocketIoChat.EngineIo;

/// <summary>
/// A one-shot cancellation whose <see cref="CancellationTokenSource"/> is made only when somebody
/// asks for the token: most sessions and sockets never do, and an idle connection should not hold
/// one. A mutable struct: keep it in a field and use the field, never a copy.
/// </summary>
internal struct LazyCancellation
{
    private CancellationTokenSource? _source;
    private int _cancelled;

    /// <summary>True once <see cref="Cancel"/> has been called.</summary>
    public readonly bool IsCancellationRequested => Volatile.Read(in _cancelled) == 1;

    /// <summary>The token; already cancelled when asked for after <see cref="Cancel"/>.</summary>
    public CancellationToken Token
    {
        get
        {
            if (IsCancellationRequested)
            {
                return new CancellationToken(canceled: true);
            }
            var source = Volatile.Read(ref _source);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _source, created, null) ?? created;
                if (source != created)
                {
                    created.Dispose();
                }
            }
            // A Cancel that ran while the source was being made may not have seen it; both sides
            // publish with a full fence, so at least one of them sees the other.
            if (IsCancellationRequested)
            {
                source.Cancel();
            }
            return source.Token;
        }
    }

    /// <summary>Cancels the token (its callbacks run here; their exceptions come out as an <see cref="AggregateException"/>).</summary>
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) == 0)
        {
            Interlocked.CompareExchange(ref _source, null, null)?.Cancel();
        }
    }
}
