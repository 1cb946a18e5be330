using System.Net;
using System.Net.WebSockets;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability;

/// <summary>
/// Churn: clients come and go every way a client can (a clean close, a dropped TCP connection, a
/// polling client that stops polling, an upgrade, both protocol generations), several at a time.
/// Once they are gone the server's own counts, as its meters publish them, are back to zero: no
/// Engine.IO session, no Socket.IO socket, no Kestrel connection is left.
/// </summary>
[TestFixture("true")]
[TestFixture("false")]
public sealed class ChurnTests(string webSocketsAtConnection)
{
    private const int Cycles = 2100;
    private const int Parallel = 4;

    [Test]
    public async Task Every_session_socket_and_connection_is_released_after_the_clients_leave()
    {
        // The conformance profile's heartbeat (300 + 200 ms) ends abandoned sessions quickly.
        await using var server = await TestServer.StartAsync("conformance", "--SocketIo:WebSocketsAtConnection", webSocketsAtConnection);
        using var metrics = new MetricsCollector(server, "Microsoft.AspNetCore.Server.Kestrel");

        var next = -1;
        var failures = new List<string>();
        await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => Task.Run(async () =>
        {
            using var v4 = new EngineHttp(server.Url, "/socket.io/");
            using var v3 = new V3Polling(server.Url, "/socket.io/");
            int cycle;
            while ((cycle = Interlocked.Increment(ref next)) < Cycles)
            {
                try
                {
                    await CycleAsync(server, v4, v3, cycle);
                }
                catch (Exception ex)
                {
                    lock (failures)
                    {
                        failures.Add($"cycle {cycle} (kind {cycle % Kinds}): {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        })));
        Assert.That(failures, Is.Empty);

        var limit = TimeSpan.FromSeconds(60);
        await Eventually.True(() => metrics.Sum("engineio.connections") == 0, $"no Engine.IO session open (now {metrics.Sum("engineio.connections")})", limit);
        await Eventually.True(() => metrics.Sum("socketio.sockets") == 0, $"no Socket.IO socket connected (now {metrics.Sum("socketio.sockets")})", limit);
        await Eventually.True(() => metrics.Sum("kestrel.active_connections") == 0, $"no Kestrel connection open (now {metrics.Sum("kestrel.active_connections")})", limit);
        Assert.That(metrics.Of("engineio.connections").Count(m => m.Value > 0), Is.GreaterThanOrEqualTo(Cycles), "every cycle opened a session");
    }

    private const int Kinds = 7;

    private static async Task CycleAsync(TestServer server, EngineHttp v4, V3Polling v3, int cycle)
    {
        var ws = server.WsUrl + "/socket.io/?transport=websocket&EIO=";
        switch (cycle % Kinds)
        {
            case 0:
            {
                // v4 over WebSocket: connected to /test, answered, closed with a close frame.
                var socket = await RawWebSocket.ConnectAsync(ws + "4");
                await using var _ = socket;
                Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
                await socket.SendAsync("40/test,");
                await socket.ReceiveUntilAsync("42/test,[\"my response\"");
                await socket.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                break;
            }
            case 1:
            {
                // v4 over WebSocket, dropped without a close frame.
                var socket = await RawWebSocket.ConnectAsync(ws + "4");
                Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
                await socket.SendAsync("40/test,");
                socket.Socket.Abort();
                socket.Socket.Dispose();
                break;
            }
            case 2:
            {
                // v3 over WebSocket, connected to /test, then dropped.
                var socket = await RawWebSocket.ConnectAsync(ws + "3");
                Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
                await socket.SendAsync("40/test");
                await socket.ReceiveUntilAsync("40/test");
                socket.Socket.Abort();
                socket.Socket.Dispose();
                break;
            }
            case 3:
            {
                // v4 polling: connected to /test, then a goodbye (the close packet).
                var sid = await v4.OpenAsync();
                Assert.That((await v4.PostAsync(v4.PollingUrl(sid), "40/test,")).Status, Is.EqualTo(HttpStatusCode.OK));
                Assert.That((await v4.PostAsync(v4.PollingUrl(sid), "1")).Status, Is.EqualTo(HttpStatusCode.OK));
                break;
            }
            case 4:
            {
                // v4 polling, abandoned after connecting: only the heartbeat can end it.
                var sid = await v4.OpenAsync();
                Assert.That((await v4.PostAsync(v4.PollingUrl(sid), "40/test,")).Status, Is.EqualTo(HttpStatusCode.OK));
                break;
            }
            case 5:
            {
                // v3 polling, abandoned after the handshake.
                await v3.OpenAsync();
                break;
            }
            default:
            {
                // v4 polling upgraded to WebSocket, then dropped.
                var sid = await v4.OpenAsync();
                var socket = await RawWebSocket.ConnectAsync(ws + "4&sid=" + sid);
                await socket.SendAsync("2probe");
                Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("3probe"));
                await socket.SendAsync("5");
                socket.Socket.Abort();
                socket.Socket.Dispose();
                break;
            }
        }
    }
}
