using SocketIoChat.Host.Bench;
using SocketIoChat.Host.Chat;
using SocketIoChat.Host.Conformance;
using SocketIoChat.Host.Seed;
using SocketIoChat.Redis.Hosting;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;

namespace SocketIoChat.Host;

/// <summary>
/// Builds the application. <c>--profile</c> picks the setup: the default serves the seed page and
/// its <c>/test</c> namespace plus the browser chat (<c>/chat</c> page and namespace); <c>conformance</c> is the target for the official protocol suites.
/// </summary>
public static class SocketIoChatApp
{
    /// <summary>Builds (but does not start) the application for the given command line.</summary>
    public static WebApplication Build(string[] args) => Build(args, configure: null);

    /// <summary>
    /// Builds the application for the given command line, letting <paramref name="configure"/>
    /// add to the builder (logging providers, services) after the profile's services, before it is built.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "web"),
        });
        var profile = builder.Configuration["profile"] ?? "default";
        var socketIo = profile switch
        {
            "conformance" => ConformanceProfile.ConfigureServices(builder.Services),
            "bench" => BenchProfile.ConfigureServices(builder),
            "default" => builder.Services.AddSocketIo(),
            _ => throw new ArgumentException($"Unknown profile \"{profile}\"; expected default, conformance or bench."),
        };
        if (profile == "default")
        {
            builder.Services.AddChat();
        }
        // This host has no middleware a WebSocket upgrade needs, so upgrades are taken at the
        // connection unless configuration says otherwise (the library's default is the pipeline).
        builder.Services.Configure<SocketIoOptions>(options =>
            options.WebSocketsAtConnection = builder.Configuration.GetValue("SocketIo:WebSocketsAtConnection", true));
        var redis = builder.Configuration["redis"] ?? builder.Configuration["SocketIo:Redis:Configuration"];
        var redisStreams = builder.Configuration["redis-streams"] ?? builder.Configuration["SocketIo:RedisStreams:Configuration"];
        if (!string.IsNullOrWhiteSpace(redis) && !string.IsNullOrWhiteSpace(redisStreams))
        {
            throw new ArgumentException("--redis and --redis-streams pick two different adapters: give one.");
        }
        if (!string.IsNullOrWhiteSpace(redis))
        {
            socketIo.AddRedisAdapter(o => o.Configuration = redis);
        }
        else if (!string.IsNullOrWhiteSpace(redisStreams))
        {
            socketIo.AddRedisStreamsAdapter(o => o.Configuration = redisStreams);
        }

        builder.Services.AddHealthChecks().AddSocketIo();
        HostTelemetry.Configure(builder);

        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        // 200 "Healthy" or 503 "Unhealthy" (stopping, or the Redis adapter's connection lost).
        app.MapHealthChecks("/healthz");
        switch (profile)
        {
            case "conformance":
                ConformanceProfile.Map(app);
                break;
            case "bench":
                BenchProfile.Map(app);
                break;
            default:
                app.MapSocketIo("/socket.io", io =>
                {
                    TestNamespace.Register(io);
                    app.Services.MapChat(io);
                });
                break;
        }
        return app;
    }
}
