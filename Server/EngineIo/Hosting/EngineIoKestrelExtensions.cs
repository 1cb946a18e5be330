using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SocketIoChat.EngineIo.Hosting;

/// <summary>
/// Lets Kestrel hand Engine.IO WebSocket upgrades to the engine at the connection, before HTTP:
/// the WebSocket then runs on the connection's own pipes and holds none of Kestrel's per-request
/// objects. Everything else on the connection (polling, other endpoints, unusual requests) goes
/// through HTTP as before, and so do upgrades Kestrel sees first (TLS added after this middleware,
/// HTTP/2, a second request on a kept-alive connection).
/// </summary>
public static class EngineIoKestrelExtensions
{
    /// <summary>
    /// Adds the connection middleware to every Kestrel endpoint through
    /// <see cref="KestrelServerOptions.ConfigureEndpointDefaults"/>. An application that calls
    /// <c>ConfigureEndpointDefaults</c> itself replaces this and should call
    /// <see cref="UseEngineIoWebSockets"/> in its own action. <c>AddSocketIo</c> calls this.
    /// </summary>
    public static IServiceCollection AddEngineIoWebSockets(this IServiceCollection services)
    {
        services.TryAddSingleton<EngineServerDirectory>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, ConfigureEndpoints>());
        return services;
    }

    /// <summary>
    /// Adds the connection middleware to one endpoint. With HTTPS, call it after <c>UseHttps</c> so
    /// that it sees the decrypted bytes.
    /// </summary>
    public static ListenOptions UseEngineIoWebSockets(this ListenOptions listenOptions)
    {
        listenOptions.Use(next => new EngineIoConnectionMiddleware(next, listenOptions.ApplicationServices).OnConnectionAsync);
        return listenOptions;
    }

    private sealed class ConfigureEndpoints : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options) => options.ConfigureEndpointDefaults(listen => listen.UseEngineIoWebSockets());
    }
}
