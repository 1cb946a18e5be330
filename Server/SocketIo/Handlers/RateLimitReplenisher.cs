using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// One timer per policy replenishes the limiters of every socket, instead of a timer per limiter
/// (what <c>AutoReplenishment</c> would start for each socket).
/// </summary>
internal sealed class RateLimitReplenisher(TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<SocketRateLimitPolicy, Ticker> _tickers = new();
    private readonly Lock _lock = new();

    public void Track(SocketRateLimitPolicy policy, RateLimiter limiter)
    {
        if (policy.ReplenishmentPeriod is { } period && limiter is ReplenishingRateLimiter replenishing)
        {
            if (!_tickers.TryGetValue(policy, out var ticker))
            {
                // Under a lock so that two sockets racing for a policy's first limiter start one timer, not two.
                lock (_lock)
                {
                    ticker = _tickers.GetOrAdd(policy, _ => new Ticker(time, period));
                }
            }
            ticker.Limiters.TryAdd(replenishing, 0);
        }
    }

    public void Untrack(SocketRateLimitPolicy policy, RateLimiter limiter)
    {
        if (limiter is ReplenishingRateLimiter replenishing && _tickers.TryGetValue(policy, out var ticker))
        {
            ticker.Limiters.TryRemove(replenishing, out _);
        }
    }

    public void Dispose()
    {
        foreach (var ticker in _tickers.Values)
        {
            ticker.Dispose();
        }
    }

    private sealed class Ticker : IDisposable
    {
        private readonly ITimer _timer;

        public Ticker(TimeProvider time, TimeSpan period) =>
            _timer = time.CreateTimer(static state => ((Ticker)state!).Tick(), this, period, period);

        public ConcurrentDictionary<ReplenishingRateLimiter, byte> Limiters { get; } = new();

        private void Tick()
        {
            foreach (var limiter in Limiters.Keys)
            {
                limiter.TryReplenish();
            }
        }

        public void Dispose() => _timer.Dispose();
    }
}
