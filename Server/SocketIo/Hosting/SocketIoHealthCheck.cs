using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>
/// The Socket.IO server's health: unhealthy once the application is stopping (a load balancer should
/// send new clients elsewhere), and, when the adapter depends on a service such as Redis, whatever
/// that service's check says. The data gives the namespaces and the sockets of <c>/</c>.
/// </summary>
internal sealed class SocketIoHealthCheck(SocketIoServer server, IHostApplicationLifetime? lifetime = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["namespaces"] = server.Namespaces.Count,
            ["sockets"] = server.Sockets.Sockets.Count,
        };
        if (lifetime?.ApplicationStopping.IsCancellationRequested == true)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The Socket.IO server is stopping.", data: data);
        }
        if (server.AdapterFactory is ISocketIoAdapterHealth adapter)
        {
            HealthCheckResult result;
            try
            {
                result = await adapter.CheckHealthAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = HealthCheckResult.Unhealthy("The adapter's health check failed.", ex);
            }
            data["adapter"] = result.Description ?? result.Status.ToString();
            if (result.Status != HealthStatus.Healthy)
            {
                var status = result.Status == HealthStatus.Unhealthy ? context.Registration.FailureStatus : result.Status;
                return new HealthCheckResult(status, "Socket.IO adapter: " + result.Description, result.Exception, data);
            }
        }
        return HealthCheckResult.Healthy("The Socket.IO server is running.", data);
    }
}

/// <summary>Registers the Socket.IO server's health check.</summary>
public static class SocketIoHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the Socket.IO server's health check (<paramref name="name"/>, default <c>socketio</c>):
    /// unhealthy while the application stops, and when the adapter's service (Redis) does not answer.
    /// Serve it with <c>app.MapHealthChecks("/healthz")</c>.
    /// </summary>
    public static IHealthChecksBuilder AddSocketIo(this IHealthChecksBuilder builder, string name = "socketio", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        builder.AddCheck<SocketIoHealthCheck>(name, failureStatus, tags ?? []);
}
