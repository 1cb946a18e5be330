using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;

namespace SocketIoChat.Host.Bench;

/// <summary>
/// <c>--profile bench</c>: the target of the load generator (and of anyone's own load tool).
/// Namespaces <c>/</c> and <c>/bench</c>: <c>echo</c> is sent back to the sender with the same
/// arguments, <c>bcast</c> goes to every other socket of the namespace.
/// </summary>
public static class BenchProfile
{
    /// <summary>Registers Socket.IO with default options and quiet logging.</summary>
    public static SocketIoBuilder ConfigureServices(WebApplicationBuilder builder)
    {
        // appsettings.json's Default level (Information) would override SetMinimumLevel; a rule for our
        // categories wins over it, so the benchmark does not measure console logging.
        builder.Logging.AddFilter("SocketIoChat", LogLevel.Warning);
        return builder.Services.AddSocketIo();
    }

    /// <summary>Maps Socket.IO with the two benchmark namespaces.</summary>
    public static void Map(WebApplication app) =>
        app.MapSocketIo("/socket.io", io =>
        {
            foreach (var ns in new[] { io.Of("/"), io.Of("/bench") })
            {
                ns.OnConnection(socket =>
                {
                    socket.On("echo", e => socket.Emit("echo", e.Args.Cast<object?>().ToArray()));
                    socket.On("bcast", e => socket.Broadcast.Emit("bcast", e.Args.Cast<object?>().ToArray()));
                });
            }
        });
}
