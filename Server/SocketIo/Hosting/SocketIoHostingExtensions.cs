using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Hosting;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>Registers and serves the Socket.IO server in an ASP.NET Core application.</summary>
public static class SocketIoHostingExtensions
{
    /// <summary>
    /// Registers <see cref="SocketIoServer"/> as a singleton, with options bound from the
    /// <c>SocketIo</c> configuration section and then <paramref name="configure"/>, and
    /// <see cref="Handlers.ISocketIoContext"/>. The returned builder adds class-based namespaces.
    /// A list given in configuration (<c>SocketIo:Transports</c>, <c>SocketIo:AllowedOrigins</c>)
    /// replaces the default list. The options are validated when the host starts: a wrong value
    /// stops the start with a message naming its configuration key.
    /// </summary>
    public static SocketIoBuilder AddSocketIo(this IServiceCollection services, Action<SocketIoOptions>? configure = null)
    {
        var options = services.AddOptions<SocketIoOptions>()
            .BindConfiguration(ConfigurationSection)
            .Configure<IConfiguration>(ReplaceBoundLists)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SocketIoOptions>, SocketIoOptionsValidator>());
        services.TryAddSingleton<SocketIoServer>();
        services.AddEngineIoWebSockets();
        return new SocketIoBuilder(services);
    }

    private const string ConfigurationSection = "SocketIo";

    /// <summary>
    /// The configuration binder adds a list's items to the default ones (<c>Transports:0=websocket</c>
    /// gave polling, websocket, websocket); a list present in configuration replaces the default instead.
    /// </summary>
    private static void ReplaceBoundLists(SocketIoOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(ConfigurationSection);
        if (section.GetSection(nameof(SocketIoOptions.Transports)).Get<List<string>>() is { } transports)
        {
            options.Transports = transports;
        }
        if (section.GetSection(nameof(SocketIoOptions.AllowedOrigins)).Get<List<string>>() is { } origins)
        {
            options.AllowedOrigins = origins;
        }
    }

    /// <summary>
    /// Serves Socket.IO at <paramref name="path"/> (default <c>/socket.io</c>), plus the client
    /// bundle at <c>{path}/socket.io.js</c> unless <see cref="SocketIoOptions.ServeClient"/> is off.
    /// <paramref name="configure"/> sets up namespaces and handlers; the class-based namespaces
    /// added with <c>AddNamespace</c> are attached here.
    /// </summary>
    public static IEndpointConventionBuilder MapSocketIo(this IEndpointRouteBuilder endpoints, string path = "/socket.io", Action<SocketIoServer>? configure = null)
    {
        var services = endpoints.ServiceProvider;
        var io = services.GetService<SocketIoServer>()
            ?? throw new InvalidOperationException("MapSocketIo needs the Socket.IO services: call builder.Services.AddSocketIo() before builder.Build().");
        // Class-based namespaces first, so that their authorization runs before middleware added by configure.
        services.GetService<Handlers.NamespaceHandlerRegistry>()?.MapAll(io);
        configure?.Invoke(io);
        var options = services.GetRequiredService<IOptions<SocketIoOptions>>().Value;
        path = path.TrimEnd('/');
        if (options.ServeClient)
        {
            foreach (var file in ClientBundle.Files)
            {
                var bundle = new ClientBundle(file, options.ClientScriptDirectory);
                endpoints.MapMethods(path + "/" + file, [HttpMethods.Get, HttpMethods.Head], bundle.ServeAsync);
            }
        }
        var engine = new EngineServer(options, io, services.GetRequiredService<ILoggerFactory>(), services.GetService<TimeProvider>(), services.GetService<IMeterFactory>());
        return endpoints.MapEngineServer(path, engine);
    }
}
