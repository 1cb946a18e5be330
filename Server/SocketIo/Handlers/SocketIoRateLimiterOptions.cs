using System.Threading.RateLimiting;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Named rate-limiting policies for <see cref="RateLimitAttribute"/>. Each socket gets its own
/// limiter per policy use, disposed when the socket disconnects.
/// </summary>
/// <remarks>
/// The window, sliding-window and token-bucket limiters built here do not start a timer each:
/// one timer per policy replenishes the limiters of every socket at once (so windows are aligned
/// across sockets, not started by each socket's first event). <c>AutoReplenishment</c> is ignored.
/// Queueing (<c>QueueLimit</c>) is honoured: a queued event waits for a permit.
/// </remarks>
public sealed class SocketIoRateLimiterOptions
{
    internal Dictionary<string, SocketRateLimitPolicy> Policies { get; } = new(StringComparer.Ordinal);

    /// <summary>At most <c>PermitLimit</c> events per <c>Window</c> and socket.</summary>
    public SocketIoRateLimiterOptions AddFixedWindowLimiter(string policyName, Action<FixedWindowRateLimiterOptions> configure)
    {
        var options = new FixedWindowRateLimiterOptions();
        configure(options);
        return Add(policyName, options.Window, () => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = options.Window,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = options.QueueProcessingOrder,
            AutoReplenishment = false,
        }));
    }

    /// <summary>At most <c>PermitLimit</c> events per sliding <c>Window</c> (in <c>SegmentsPerWindow</c> steps) and socket.</summary>
    public SocketIoRateLimiterOptions AddSlidingWindowLimiter(string policyName, Action<SlidingWindowRateLimiterOptions> configure)
    {
        var options = new SlidingWindowRateLimiterOptions();
        configure(options);
        var segments = Math.Max(options.SegmentsPerWindow, 1);
        return Add(policyName, options.Window / segments, () => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = options.Window,
            SegmentsPerWindow = options.SegmentsPerWindow,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = options.QueueProcessingOrder,
            AutoReplenishment = false,
        }));
    }

    /// <summary>A bucket of <c>TokenLimit</c> tokens per socket, refilled by <c>TokensPerPeriod</c> every <c>ReplenishmentPeriod</c>.</summary>
    public SocketIoRateLimiterOptions AddTokenBucketLimiter(string policyName, Action<TokenBucketRateLimiterOptions> configure)
    {
        var options = new TokenBucketRateLimiterOptions();
        configure(options);
        return Add(policyName, options.ReplenishmentPeriod, () => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.TokenLimit,
            TokensPerPeriod = options.TokensPerPeriod,
            ReplenishmentPeriod = options.ReplenishmentPeriod,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = options.QueueProcessingOrder,
            AutoReplenishment = false,
        }));
    }

    /// <summary>At most <c>PermitLimit</c> handlers of the socket running at once.</summary>
    public SocketIoRateLimiterOptions AddConcurrencyLimiter(string policyName, Action<ConcurrencyLimiterOptions> configure)
    {
        var options = new ConcurrencyLimiterOptions();
        configure(options);
        return Add(policyName, null, () => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = options.QueueProcessingOrder,
        }));
    }

    /// <summary>
    /// A policy whose limiter <paramref name="factory"/> makes for each socket (it may look at the
    /// socket, e.g. its user). The limiter is disposed when the socket disconnects; a replenishing
    /// limiter made here replenishes itself (its own timer) unless created without auto-replenishment.
    /// </summary>
    public SocketIoRateLimiterOptions AddPolicy(string policyName, Func<Socket, RateLimiter> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Policies[policyName] = new SocketRateLimitPolicy(policyName, null, factory);
        return this;
    }

    private SocketIoRateLimiterOptions Add(string policyName, TimeSpan? period, Func<RateLimiter> create)
    {
        // Made once here so that invalid options fail at startup, not at a socket's first event.
        create().Dispose();
        if (period is { } p && p <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), $"Policy \"{policyName}\": the replenishment period must be positive.");
        }
        Policies[policyName] = new SocketRateLimitPolicy(policyName, period, _ => create());
        return this;
    }
}
