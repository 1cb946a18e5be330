using System.Threading.RateLimiting;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>A named policy: how to make one socket's limiter, and how often the shared timer replenishes it (null: never).</summary>
internal sealed class SocketRateLimitPolicy(string name, TimeSpan? replenishmentPeriod, Func<Socket, RateLimiter> create)
{
    public string Name { get; } = name;

    public TimeSpan? ReplenishmentPeriod { get; } = replenishmentPeriod;

    public Func<Socket, RateLimiter> Create { get; } = create;
}
