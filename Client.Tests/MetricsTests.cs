using Newtonsoft.Json.Linq;
using SocketIOClient;
using SocketIOClient.Transport;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The meters <c>SocketIoChat.EngineIo</c> and <c>SocketIoChat.SocketIo</c>: what real clients'
/// connections, upgrades, packets, events, broadcasts and acknowledgements record, with which tags.
/// </summary>
public sealed class MetricsTests
{
    private const string Nsp = "/metrics";

    [Test]
    public async Task Connections_are_counted_by_protocol_revision_and_transport_and_sockets_by_namespace()
    {
        await using var server = await StartAsync();
        using var metrics = new MetricsCollector(server);

        var (modern, answer) = await RawSocketIo.ConnectAsync(server, Nsp);
        await using (modern)
        using (var legacy = await ConnectDotNetAsync(server, eio: 3, TransportProtocol.Polling))
        {
            Assert.That(answer, Does.StartWith($"40{Nsp},"));
            await Eventually.True(() => metrics.Sum("socketio.sockets", ("socketio.namespace", Nsp)) == 2, "two sockets in /metrics");
            Assert.That(metrics.Sum("engineio.connections", ("engineio.protocol", 4), ("engineio.transport", "websocket")), Is.EqualTo(1));
            Assert.That(metrics.Sum("engineio.connections", ("engineio.protocol", 3), ("engineio.transport", "polling")), Is.EqualTo(1));
            Assert.That(metrics.Sum("engineio.connections"), Is.EqualTo(2));
            // A 2.x-era client is in the main namespace from the start as well.
            Assert.That(metrics.Sum("socketio.sockets", ("socketio.namespace", "/")), Is.EqualTo(1));
            await legacy.DisconnectAsync();
        }
        await Eventually.True(() => metrics.Sum("engineio.connections") == 0, "every connection counted out");
        await Eventually.True(() => metrics.Sum("socketio.sockets") == 0, "every socket counted out");
        Assert.That(metrics.Of("engineio.connections", ("engineio.transport", "websocket")).Select(m => m.Value), Is.EqualTo(new[] { 1.0, -1.0 }));
    }

    [Test]
    public async Task An_upgrade_moves_the_connection_from_polling_to_websocket_and_packets_are_counted_per_transport()
    {
        await using var server = await StartAsync();
        using var metrics = new MetricsCollector(server);
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        Assert.That(metrics.Sum("engineio.connections", ("engineio.protocol", 4), ("engineio.transport", "polling")), Is.EqualTo(1));
        Assert.That(metrics.Sum("engineio.packets.sent", ("engineio.transport", "polling")), Is.EqualTo(1), "the open packet");
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), "40" + Nsp + ",");
        Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.OK));
        Assert.That(metrics.Sum("engineio.packets.received", ("engineio.transport", "polling")), Is.EqualTo(1));

        await using var socket = await EngineWebSocket.ConnectAsync(server.WsUrl + $"/socket.io/?EIO=4&transport=websocket&sid={sid}");
        await socket.SendAsync("2probe");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("3probe"));
        await socket.SendAsync("5");
        // The CONNECT answer was queued for a poll nobody made: the WebSocket delivers it.
        Assert.That(await socket.NextTextAsync(), Does.StartWith($"40{Nsp},"));
        await Eventually.True(() => metrics.Sum("engineio.packets.sent", ("engineio.transport", "websocket")) >= 1, "a packet counted as sent over websocket");
        Assert.That(metrics.Sum("engineio.upgrades", ("engineio.protocol", 4)), Is.EqualTo(1));
        Assert.That(metrics.Sum("engineio.connections", ("engineio.transport", "polling")), Is.EqualTo(0));
        Assert.That(metrics.Sum("engineio.connections", ("engineio.protocol", 4), ("engineio.transport", "websocket")), Is.EqualTo(1));

        await socket.SendAsync($"42{Nsp},[\"hello\"]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo($"42{Nsp},[\"hi\",1]"));
        Assert.That(metrics.Sum("engineio.packets.received", ("engineio.transport", "websocket")), Is.EqualTo(1), "the probe and upgrade packets are not counted");
    }

    [Test]
    public async Task Events_in_and_out_broadcast_fan_out_and_ack_latency_are_recorded_by_namespace()
    {
        await using var server = await StartAsync();
        using var metrics = new MetricsCollector(server);
        var (a, _) = await RawSocketIo.ConnectAsync(server, Nsp);
        var (b, _) = await RawSocketIo.ConnectAsync(server, Nsp);
        var (c, _) = await RawSocketIo.ConnectAsync(server, Nsp);
        await using (a)
        await using (b)
        await using (c)
        {
            await a.SendAsync($"42{Nsp},[\"hello\"]");
            Assert.That(await a.ReceiveTextSkippingPingsAsync(), Is.EqualTo($"42{Nsp},[\"hi\",1]"));
            Assert.That(metrics.Sum("socketio.events.received", ("socketio.namespace", Nsp)), Is.EqualTo(1));
            Assert.That(metrics.Sum("socketio.events.sent", ("socketio.namespace", Nsp)), Is.EqualTo(1));

            await a.SendAsync($"42{Nsp},[\"shout\"]");
            foreach (var socket in new[] { a, b, c })
            {
                Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo($"42{Nsp},[\"all\"]"));
            }
            var fanOut = metrics.Of("socketio.broadcast.recipients", ("socketio.namespace", Nsp));
            Assert.That(fanOut.Select(m => m.Value), Is.EqualTo(new[] { 3.0 }));
            Assert.That(metrics.Sum("socketio.events.sent", ("socketio.namespace", Nsp)), Is.EqualTo(4), "one plus three recipients");

            // The server asks "a" with an acknowledgement; "a" answers after a pause.
            await a.SendAsync($"42{Nsp},[\"ask me\"]");
            var question = await a.ReceiveTextSkippingPingsAsync();
            Assert.That(question, Does.Match($"^42{Nsp},\\d+\\[\"question\"\\]$"));
            var id = question[$"42{Nsp},".Length..question.IndexOf('[')];
            await Task.Delay(150); // a latency the histogram must show (timers may end a little early: 0.1 s is asserted)
            await a.SendAsync($"43{Nsp},{id}[\"answer\"]");
            Assert.That(await a.ReceiveTextSkippingPingsAsync(), Is.EqualTo($"42{Nsp},[\"answered\",\"answer\"]"));
            var latency = metrics.Of("socketio.ack.duration", ("socketio.namespace", Nsp));
            Assert.That(latency, Has.Count.EqualTo(1));
            Assert.That(latency[0].Value, Is.GreaterThanOrEqualTo(0.1).And.LessThan(Eventually.Limit.TotalSeconds));
            Assert.That(metrics.Of("socketio.ack.timeouts"), Is.Empty);
        }
    }

    [Test]
    public async Task Payload_bytes_are_counted_per_transport_and_a_closed_session_records_how_long_it_lasted()
    {
        await using var server = await StartAsync();
        using var metrics = new MetricsCollector(server);
        var (socket, _) = await RawSocketIo.ConnectAsync(server, Nsp);
        await using (socket)
        {
            var receivedBefore = metrics.Sum("engineio.bytes.received", ("engineio.transport", "websocket"));
            var sentBefore = metrics.Sum("engineio.bytes.sent", ("engineio.transport", "websocket"));
            const string hello = $"42{Nsp},[\"hello\",\"héllo\"]";
            await socket.SendAsync(hello);
            Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo($"42{Nsp},[\"hi\",1]"));

            // UTF-8 bytes of the messages, not characters.
            Assert.That(metrics.Sum("engineio.bytes.received", ("engineio.transport", "websocket")) - receivedBefore, Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(hello)));
            await Eventually.True(() => metrics.Sum("engineio.bytes.sent", ("engineio.transport", "websocket")) - sentBefore >= $"42{Nsp},[\"hi\",1]".Length, "the answer's bytes");
            Assert.That(metrics.Sum("engineio.bytes.sent", ("engineio.transport", "websocket")) - sentBefore, Is.EqualTo($"42{Nsp},[\"hi\",1]".Length));
            Assert.That(metrics.Of("engineio.connection.duration"), Is.Empty, "recorded when the session ends");
        }

        using var http = new EngineHttp(server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        Assert.That(metrics.Sum("engineio.bytes.sent", ("engineio.transport", "polling")), Is.GreaterThan(0), "the open packet's body");
        var body = "40" + Nsp + ",";
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), body);
        Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.OK));
        Assert.That(metrics.Sum("engineio.bytes.received", ("engineio.transport", "polling")), Is.EqualTo(body.Length));

        var durations = await Eventually.Until(() => Task.FromResult(metrics.Of("engineio.connection.duration")), d => d.Count >= 1, "the WebSocket session's duration");
        Assert.That(durations, Has.Count.EqualTo(1));
        Assert.That(durations[0].Tags["engineio.transport"], Is.EqualTo("websocket"));
        Assert.That(durations[0].Tags["engineio.protocol"], Is.EqualTo(4));
        Assert.That(durations[0].Value, Is.GreaterThan(0).And.LessThan(Eventually.Limit.TotalSeconds));
    }

    [Test]
    public async Task An_unanswered_acknowledgement_counts_as_a_timeout()
    {
        await using var server = await StartAsync();
        using var metrics = new MetricsCollector(server);
        var (a, _) = await RawSocketIo.ConnectAsync(server, Nsp);
        await using (a)
        {
            await a.SendAsync($"42{Nsp},[\"ask me\",200]");
            Assert.That(await a.ReceiveTextSkippingPingsAsync(), Does.Match($"^42{Nsp},\\d+\\[\"question\"\\]$"));
            Assert.That(await a.ReceiveTextSkippingPingsAsync(), Is.EqualTo($"42{Nsp},[\"timeout\"]"));
            Assert.That(metrics.Sum("socketio.ack.timeouts", ("socketio.namespace", Nsp)), Is.EqualTo(1));
            Assert.That(metrics.Of("socketio.ack.duration"), Is.Empty);
        }
    }

    /// <summary>
    /// A library server with a <c>/metrics</c> namespace: "hello" answers "hi"; "shout" broadcasts
    /// "all" to the namespace; "ask me" emits "question" with an ack (timeout in ms as an optional
    /// argument) and reports the answer as "answered" or "timeout".
    /// </summary>
    private static Task<TestServer> StartAsync() =>
        TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(),
            app => app.MapSocketIo(configure: io => io.Of(Nsp).OnConnection(socket =>
            {
                socket.On("hello", _ => socket.Emit("hi", 1));
                socket.On("shout", _ => socket.Namespace.Emit("all"));
                socket.On("ask me", async e =>
                {
                    var timeout = e.Args.Count > 0 ? TimeSpan.FromMilliseconds((int)e.Args[0]) : Eventually.Limit;
                    try
                    {
                        var answer = await socket.EmitWithAckAsync(timeout, "question");
                        socket.Emit("answered", answer[0]);
                    }
                    catch (TimeoutException)
                    {
                        socket.Emit("timeout");
                    }
                });
            })));

    private static async Task<SocketIO> ConnectDotNetAsync(TestServer server, int eio, TransportProtocol transport)
    {
        var client = new SocketIO(server.Url + Nsp, new SocketIOOptions
        {
            EIO = eio,
            Transport = transport,
            AutoUpgrade = false,
            Reconnection = false,
            ConnectionTimeout = Eventually.Limit,
        });
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnConnected += (_, _) => connected.TrySetResult();
        await client.ConnectAsync().Within();
        await connected.Task.Within();
        return client;
    }
}
