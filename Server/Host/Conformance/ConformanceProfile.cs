using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Hosting;
using SocketIoChat.Host.Seed;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;

namespace SocketIoChat.Host.Conformance;

/// <summary>
/// <c>--profile conformance</c>: the server the official Engine.IO and Socket.IO test suites
/// expect, on one port — Socket.IO at <c>/socket.io/</c> and a raw Engine.IO echo at <c>/engine.io/</c>.
/// </summary>
public static class ConformanceProfile
{
    private static void Apply(EngineIoOptions options)
    {
        options.PingInterval = TimeSpan.FromMilliseconds(300);
        options.PingTimeout = TimeSpan.FromMilliseconds(200);
        options.MaxHttpBufferSize = 1_000_000;
        options.WebSocketsAtConnection = true;
        // The suites' pages and tools come from anywhere.
        options.AllowedOrigins = ["*"];
    }

    /// <summary>Registers Socket.IO with the suites' settings and a CORS policy allowing any origin.</summary>
    public static SocketIoBuilder ConfigureServices(IServiceCollection services)
    {
        services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.AllowAnyOrigin().AllowAnyHeader().AllowAnyMethod()));
        return services.AddSocketIo(options =>
        {
            Apply(options);
            options.ConnectTimeout = TimeSpan.FromMilliseconds(1000);
            options.ConnectionStateRecovery = ProbeNamespace.Recovery;
        });
    }

    /// <summary>Maps both endpoints and the namespaces the suites use.</summary>
    public static void Map(WebApplication app)
    {
        app.UseCors();
        app.MapSocketIo("/socket.io", io =>
        {
            io.Of("/").OnConnection(socket =>
            {
                socket.Emit("auth", socket.Auth);
                socket.On("message", e => socket.Emit("message-back", e.Args.Cast<object?>().ToArray()));
                socket.On("message-with-ack", e => e.Ack(e.Args.Cast<object?>().ToArray()));
            });
            io.Of("/custom").OnConnection(socket => socket.Emit("auth", socket.Auth));
            TestNamespace.Register(io);
            ProbeNamespace.Register(io, () => ServerId(app));
        });
        app.MapEngineIo("/engine.io", new EchoHandler(), Apply);
    }

    /// <summary>The server's name in a cluster: <c>--server-id</c>, else the address it listens on (host:port).</summary>
    private static string ServerId(WebApplication app)
    {
        if (app.Configuration["server-id"] is { Length: > 0 } id)
        {
            return id;
        }
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri.Authority : Environment.MachineName;
    }

    /// <summary>Sends every message back as it came, text or binary.</summary>
    private sealed class EchoHandler : IEngineConnectionHandler
    {
        public void OnOpened(IEngineConnection connection)
        {
        }

        public void OnMessage(IEngineConnection connection, ReadOnlySpan<byte> data, bool isBinary) =>
            connection.Send(isBinary ? EngineMessage.Binary(data.ToArray()) : EngineMessage.Text(EngineIo.Protocol.EnginePacketType.Message, data));

        public void OnClosed(IEngineConnection connection, string reason)
        {
        }
    }
}
