using System.Threading.RateLimiting;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>Rate limiting for the lambda style (<c>socket.On(...)</c>), with the same error answer as <see cref="RateLimitAttribute"/>.</summary>
public static class SocketRateLimitExtensions
{
    /// <summary>
    /// Limits the events of <paramref name="socket"/> with <paramref name="limiter"/>: an event that gets
    /// no lease is not run and the client is answered <c>{"error":"rate_limited","event":…,"retryAfterMs":…}</c>
    /// through its ack, or else as the <c>exception</c> event. <paramref name="appliesTo"/> picks the
    /// events to limit (all when null). The socket owns the limiter: it is disposed at disconnect.
    /// </summary>
    /// <remarks>
    /// A limiter with <c>AutoReplenishment</c> keeps a timer of its own; for many sockets prefer
    /// the <see cref="RateLimitAttribute"/> policies, which share one timer per policy.
    /// </remarks>
    public static Socket UseRateLimiter(this Socket socket, RateLimiter limiter, Func<SocketEvent, bool>? appliesTo = null)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        socket.OnDisconnect(_ => limiter.Dispose());
        return socket.Use(async (e, next) =>
        {
            if (appliesTo is not null && !appliesTo(e))
            {
                await next();
                return;
            }
            RateLimitLease lease;
            try
            {
                lease = limiter.AttemptAcquire();
            }
            catch (ObjectDisposedException)
            {
                return; // the socket has gone: nothing to run, nobody to answer
            }
            using (lease)
            {
                if (!lease.IsAcquired)
                {
                    var error = NamespaceHandlerDispatcher.Error(SocketIoErrors.RateLimited, e, "Too many events: try again later.");
                    if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    {
                        error["retryAfterMs"] = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
                    }
                    NamespaceHandlerDispatcher.Refuse(e, error);
                    return;
                }
            }
            await next();
        });
    }
}
