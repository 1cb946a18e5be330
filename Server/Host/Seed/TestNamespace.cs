using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Host.Seed;

/// <summary>
/// The <c>/test</c> namespace of the documents' Flask-SocketIO example, plus <c>echo</c> and
/// <c>echo-ack</c> for protocol tests.
/// </summary>
public static class TestNamespace
{
    /// <summary>Adds the handlers to <paramref name="io"/>.</summary>
    public static void Register(SocketIoServer io) =>
        io.Of("/test").OnConnection(socket =>
        {
            socket.Emit("my response", new JObject { ["data"] = "Connected" });
            socket.On("my event", e => socket.Emit("my response", Reply(e)));
            socket.On("my broadcast event", e => socket.Namespace.Emit("my response", Reply(e)));
            socket.On("echo", e =>
            {
                var args = e.Args.Cast<object?>().ToArray();
                if (!e.Ack(args))
                {
                    socket.Emit("echo", args);
                }
            });
            socket.On("echo-ack", e => e.Ack(e.Args.Cast<object?>().ToArray()));
        });

    private static JObject Reply(SocketEvent e) => new() { ["data"] = (e.Arg(0) as JObject)?["data"] };
}
