using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace SocketIoChat.Redis;

/// <summary>The Redis adapters' share of the server's health check: the connection answers a PING.</summary>
internal static class RedisHealth
{
    // Shorter than a health endpoint's usual timeout, so the answer says Redis rather than timing out.
    private static readonly TimeSpan PingLimit = TimeSpan.FromSeconds(3);

    public static async Task<HealthCheckResult> CheckAsync(IConnectionMultiplexer connection, CancellationToken cancellationToken)
    {
        if (!connection.IsConnected)
        {
            return HealthCheckResult.Unhealthy("Redis is not connected (the connection is retried in the background).");
        }
        try
        {
            var roundTrip = await connection.GetDatabase().PingAsync().WaitAsync(PingLimit, cancellationToken);
            return HealthCheckResult.Healthy(FormattableString.Invariant($"Redis answered a PING in {roundTrip.TotalMilliseconds:0.#} ms."));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis did not answer a PING.", ex);
        }
    }
}
