using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SocketIoChat.EngineIo.Hosting;

/// <summary>Maps a raw Engine.IO endpoint (no Socket.IO on top).</summary>
public static class EngineIoEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves Engine.IO at <paramref name="path"/> (for example <c>/engine.io</c>) with
    /// <paramref name="handler"/> receiving every session's events.
    /// </summary>
    public static IEndpointConventionBuilder MapEngineIo(
        this IEndpointRouteBuilder endpoints,
        string path,
        IEngineConnectionHandler handler,
        Action<EngineIoOptions>? configure = null)
    {
        var options = new EngineIoOptions();
        configure?.Invoke(options);
        var services = endpoints.ServiceProvider;
        var server = new EngineServer(options, handler, services.GetRequiredService<ILoggerFactory>(), services.GetService<TimeProvider>(), services.GetService<IMeterFactory>());
        return endpoints.MapEngineServer(path, server);
    }

    /// <summary>Maps an existing <see cref="EngineServer"/> and closes its sessions when the application stops.</summary>
    public static IEndpointConventionBuilder MapEngineServer(this IEndpointRouteBuilder endpoints, string path, EngineServer server)
    {
        var lifetime = endpoints.ServiceProvider.GetService<IHostApplicationLifetime>();
        var directory = endpoints.ServiceProvider.GetService<EngineServerDirectory>();
        directory?.Add(path.TrimEnd('/'), server);
        lifetime?.ApplicationStopping.Register(() =>
        {
            directory?.Remove(path.TrimEnd('/'), server);
            server.CloseAll("server shutting down");
            server.Dispose();
        });
        // WebSockets are enabled on this endpoint alone, so the host needs no UseWebSockets().
        var pipeline = endpoints.CreateApplicationBuilder()
            .UseWebSockets()
            .Use(_ => server.HandleRequestAsync)
            .Build();
        return endpoints.Map(path.TrimEnd('/'), pipeline).WithDisplayName("Engine.IO " + path);
    }
}
