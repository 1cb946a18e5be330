using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// Implemented by an adapter factory whose adapters depend on an outside service (a Redis
/// connection): the server's health check (<c>AddHealthChecks().AddSocketIo()</c>) includes it.
/// </summary>
public interface ISocketIoAdapterHealth
{
    /// <summary>Whether the service the adapters need answers now.</summary>
    Task<HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken);
}
