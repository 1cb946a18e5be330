using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Limits;

/// <summary>
/// A client that stops reading while the server floods it is closed quietly, by the queue bound or
/// by the server stopping: nothing is logged as an error (no exception escapes a write loop), with
/// and without permessage-deflate (which uses the runtime's WebSocket).
/// </summary>
[TestFixture(false, false)]
[TestFixture(false, true)]
[TestFixture(true, false)]
[TestFixture(true, true)]
public sealed class SlowClientCloseTests(bool webSocketsAtConnection, bool deflate)
{
    // Random text: compression must not shrink the flood below the socket buffers. Several chunks
    // in turn, each 16 KB: with context takeover one chunk repeated would be found in deflate's
    // 32 KB window and sent as a few bytes, and the writer could then keep up with the flood.
    private static readonly string[] Chunks = [.. Enumerable.Range(0, 4).Select(_ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12_000)))];

    [Test]
    public async Task A_client_that_stops_reading_is_closed_without_an_error_logged()
    {
        var logs = new CapturedLogs();
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartFloodingServerAsync(logs, maxQueuedPackets: 32, floods: 3000, socket => socket.OnDisconnect(r => reason.TrySetResult(r)));

        var client = await ConnectAndAskForFloodAsync(server);

        // From here on the client reads nothing.
        Assert.That(await reason.Task.Within(), Is.EqualTo("transport error"));
        await client.DisposeAsync();
        await Eventually.True(() => logs.Lines.Any(l => l.Contains("Kestrel.Connections") && l.Contains("stopped")), "the connection ended on the server");
        Assert.That(logs.Errors, Is.Empty);
    }

    /// <summary>
    /// Issue 12 item 6: the server stops while its writes to clients that stopped reading wait on
    /// full sockets, and each client had sent something after that (so its read was started after
    /// the stuck write). The code of 2026-12-04 logged an ObjectDisposedException per client here
    /// (the batching stream's lock was disposed under the waiting write).
    /// </summary>
    [Test]
    public async Task Stopping_the_server_while_writes_wait_on_slow_clients_logs_no_error()
    {
        var logs = new CapturedLogs();
        var server = await StartFloodingServerAsync(logs, maxQueuedPackets: null, floods: 600);

        var clients = new List<WireWebSocket>();
        try
        {
            for (var n = 0; n < 5; n++)
            {
                // 7 MB to a client that reads nothing: the server's write waits on a full socket.
                var client = await ConnectAndAskForFloodAsync(server);
                clients.Add(client);
                await Task.Delay(500);
                await client.SendTextAsync("42[\"flood\"]");
            }
            await Task.Delay(1000);
        }
        finally
        {
            await server.DisposeAsync();
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
        Assert.That(logs.Errors, Is.Empty);
    }

    /// <summary>
    /// A server whose sockets on "/" answer "flood" with <paramref name="floods"/> emits of
    /// the random chunks (fewer once the socket is gone); <paramref name="maxQueuedPackets"/> null keeps the default.
    /// </summary>
    private async Task<TestServer> StartFloodingServerAsync(CapturedLogs logs, int? maxQueuedPackets, int floods, Action<Socket>? onConnection = null) =>
        await TestServer.StartLibraryAsync(
            builder =>
            {
                logs.AttachTo(builder);
                builder.Services.AddSocketIo(o =>
                {
                    o.WebSocketsAtConnection = webSocketsAtConnection;
                    o.MaxQueuedPackets = maxQueuedPackets ?? o.MaxQueuedPackets;
                    o.PerMessageDeflate = deflate ? new() : null;
                });
            },
            app =>
            {
                app.UseWebSockets();
                app.MapSocketIo("/socket.io", io => io.Of("/").OnConnection(socket =>
                {
                    onConnection?.Invoke(socket);
                    socket.On("flood", e =>
                    {
                        for (var i = 0; i < floods && socket.Connected; i++)
                        {
                            socket.Emit("big", Chunks[i % Chunks.Length]);
                        }
                    });
                }));
            });

    /// <summary>Connects a raw WebSocket client to "/" (offering deflate when the fixture uses it) and sends "flood".</summary>
    private async Task<WireWebSocket> ConnectAndAskForFloodAsync(TestServer server)
    {
        var client = await WireWebSocket.ConnectAsync(server.Url, "/socket.io/?EIO=4&transport=websocket", deflate ? "permessage-deflate; client_max_window_bits" : null);
        Assert.That(client.Status, Is.EqualTo(101));
        Assert.That((await client.ReceiveAsync()).Text, Does.StartWith("0{"));
        await client.SendTextAsync("40");
        Assert.That((await client.ReceiveSkippingPingsAsync()).Text, Does.StartWith("40{"));
        await client.SendTextAsync("42[\"flood\"]");
        return client;
    }
}
