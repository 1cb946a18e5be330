using Microsoft.AspNetCore.Builder;
using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Limits;

/// <summary>
/// A closed session is garbage once its client is gone, long before the heartbeat deadline it had
/// registered (the ping interval here is ten minutes): nothing the server keeps for timing holds it.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class SessionReleaseTests(bool webSocketsAtConnection)
{
    private sealed class Watcher : IEngineConnectionHandler
    {
        public readonly List<WeakReference> Opened = [];
        public int Closed;

        public void OnOpened(IEngineConnection connection)
        {
            lock (Opened)
            {
                Opened.Add(new WeakReference(connection));
            }
        }

        public void OnMessage(IEngineConnection connection, ReadOnlySpan<byte> data, bool isBinary)
        {
        }

        public void OnClosed(IEngineConnection connection, string reason) => Interlocked.Increment(ref Closed);
    }

    [Test]
    public async Task Sessions_closed_by_their_clients_are_collected_before_their_heartbeat_deadline([Values("websocket", "polling")] string transport)
    {
        var watcher = new Watcher();
        await using var server = await TestServer.StartLibraryAsync(
            builder => { },
            app =>
            {
                app.UseWebSockets();
                app.MapEngineIo("/engine.io", watcher, options =>
                {
                    options.PingInterval = TimeSpan.FromMinutes(10);
                    options.WebSocketsAtConnection = webSocketsAtConnection;
                });
            });

        const int Sessions = 20;
        for (var i = 0; i < Sessions; i++)
        {
            if (transport == "websocket")
            {
                var (socket, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/engine.io/?EIO=4&transport=websocket");
                await socket.DisposeAsync();
            }
            else
            {
                // A polling client that says goodbye: the close packet, then the poll that takes the answer.
                using var http = new EngineHttp(server.Url, "/engine.io/");
                var sid = await http.OpenAsync();
                await http.PostAsync(http.PollingUrl(sid), "1");
                await http.GetAsync(http.PollingUrl(sid));
            }
        }
        await Eventually.True(() => Volatile.Read(ref watcher.Closed) == Sessions, "every session closed");

        await Eventually.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            lock (watcher.Opened)
            {
                return watcher.Opened.Count(w => w.IsAlive) == 0;
            }
        }, "closed sessions collected");
    }
}
