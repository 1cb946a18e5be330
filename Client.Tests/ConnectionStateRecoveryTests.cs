using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Connection state recovery (Node <c>connectionStateRecovery</c>): a v5 client that comes back
/// within the window gets its id, rooms and data back and the events it missed, exactly once and
/// in order — with socket.io-client 4.x from Node, raw on the wire, and under racing broadcasts.
/// </summary>
public sealed class ConnectionStateRecoveryTests
{
    private const string Nsp = "/r";

    /// <summary>The server side of the tests: namespace <c>/r</c> with the handlers recovery.mjs and the raw tests use.</summary>
    private sealed class Probe
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _left = new();

        public ConcurrentDictionary<string, Socket> Sockets { get; } = new();

        public ConcurrentQueue<(bool Recovered, string? User)> MiddlewareSaw { get; } = new();

        public int MiddlewareRuns => MiddlewareSaw.Count;

        /// <summary>The disconnect reason of socket <paramref name="id"/>, once it left.</summary>
        public Task<string> LeftAsync(string id) =>
            _left.GetOrAdd(id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public void Attach(Namespace ns)
        {
            ns.Use(socket =>
            {
                MiddlewareSaw.Enqueue((socket.Recovered, socket.Data.TryGetValue("user", out var user) ? user?.ToString() : null));
                return Task.CompletedTask;
            });
            ns.OnConnection(socket =>
            {
                Sockets[socket.Id] = socket;
                socket.OnDisconnect(reason =>
                    _left.GetOrAdd(socket.Id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(reason));
                socket.On("setup", e =>
                {
                    socket.Join((string)e.Arg(0)!);
                    socket.Data["user"] = (string?)e.Arg(1);
                    e.Ack(true);
                    socket.Emit("ready"); // gives the client an offset
                });
                socket.On("state", e => e.Ack(new JObject
                {
                    ["id"] = socket.Id,
                    ["rooms"] = new JArray(socket.Rooms.Order(StringComparer.Ordinal)),
                    ["user"] = socket.Data.TryGetValue("user", out var user) ? (string?)user : null,
                    ["recovered"] = socket.Recovered,
                }));
                // Emits `count` rounds while socket `sid` is away: what it must get back, and what not.
                socket.On("emit-missed", async e =>
                {
                    var sid = (string)e.Arg(0)!;
                    var room = (string)e.Arg(1)!;
                    var count = (int)e.Arg(2)!;
                    await LeftAsync(sid).WaitAsync(Eventually.Limit);
                    var away = Sockets[sid];
                    for (var i = 0; i < count; i++)
                    {
                        ns.To(room).Emit("missed", "room", i);
                        ns.Emit("missed", "all", i);
                        away.Emit("missed", "direct", i);
                        ns.Except(room).Emit("not-for-you", "except", i);
                        ns.To("elsewhere").Emit("not-for-you", "elsewhere", i);
                        ns.Volatile.Emit("not-for-you", "volatile", i);
                    }
                    ns.To(room).Emit("missed-binary", new byte[] { 1, 2, 3 });
                    e.Ack(true);
                });
                socket.On("sync", e =>
                {
                    socket.Emit("end");
                    e.Ack(true);
                });
            });
        }
    }

    private static async Task<(TestServer Server, Probe Probe)> StartAsync(string? maxDisconnection = "00:00:30", bool skipMiddlewares = true)
    {
        string[] args = maxDisconnection is null
            ? []
            :
            [
                "--SocketIo:ConnectionStateRecovery:MaxDisconnectionDuration", maxDisconnection,
                "--SocketIo:ConnectionStateRecovery:SkipMiddlewares", skipMiddlewares ? "true" : "false",
            ];
        var server = await TestServer.StartAsync("default", args);
        var probe = new Probe();
        probe.Attach(server.Io.Of(Nsp));
        return (server, probe);
    }

    private static Task<JObject> RunNodeAsync(TestServer server, string how = "engine-close", int count = 5, int waitMs = 0, string transport = "websocket") =>
        NodeRunner.RunJsonAsync(["recovery.mjs", server.Url, new JObject
        {
            ["namespace"] = Nsp,
            ["room"] = "room-a",
            ["data"] = "ann",
            ["count"] = count,
            ["how"] = how,
            ["waitMs"] = waitMs,
            ["transport"] = transport,
        }.ToString(Newtonsoft.Json.Formatting.None)]);

    /// <summary>The events as [name, ...args], each offset (a string last argument the server added) removed and returned apart.</summary>
    private static (List<string> Events, List<string> Offsets) Split(JToken events, bool withOffsets)
    {
        var names = new List<string>();
        var offsets = new List<string>();
        foreach (JArray e in events.Cast<JArray>())
        {
            var items = e.ToList();
            if (withOffsets)
            {
                Assert.That(items[^1].Type, Is.EqualTo(JTokenType.String), $"an offset ends {e.ToString(Newtonsoft.Json.Formatting.None)}");
                offsets.Add((string)items[^1]!);
                items.RemoveAt(items.Count - 1);
            }
            names.Add(new JArray(items).ToString(Newtonsoft.Json.Formatting.None));
        }
        return (names, offsets);
    }

    private static List<string> ExpectedMissed(int count)
    {
        var expected = new List<string>();
        for (var i = 0; i < count; i++)
        {
            expected.Add($"[\"missed\",\"room\",{i}]");
            expected.Add($"[\"missed\",\"all\",{i}]");
            expected.Add($"[\"missed\",\"direct\",{i}]");
        }
        expected.Add("[\"missed-binary\",{\"$binary\":\"AQID\"}]");
        return expected;
    }

    [TestCase("websocket")]
    [TestCase("polling")]
    public async Task A_client_that_loses_its_connection_gets_its_id_rooms_data_and_missed_events_back_once_and_in_order(string transport)
    {
        var (server, probe) = await StartAsync();
        await using var _ = server;

        var outcome = await RunNodeAsync(server, count: 5, transport: transport);

        var firstId = (string)outcome["first"]!["id"]!;
        Assert.That((bool)outcome["first"]!["recovered"]!, Is.False);
        Assert.That(await probe.LeftAsync(firstId).Within(), Is.EqualTo(DisconnectReason.TransportClose), "the server saw the connection drop");
        Assert.That((string)outcome["clientReason"]!, Is.EqualTo("forced close"), "the client closed its own engine");
        Assert.That((string)outcome["second"]!["id"]!, Is.EqualTo(firstId), "the same socket id");
        Assert.That((bool)outcome["second"]!["recovered"]!, Is.True, "socket.recovered on the client");

        var state = (JObject)outcome["state"]!;
        Assert.That((string)state["id"]!, Is.EqualTo(firstId));
        Assert.That(state["rooms"]!.Select(r => (string)r!), Is.EquivalentTo(new[] { firstId, "room-a" }), "rooms kept");
        Assert.That((string)state["user"]!, Is.EqualTo("ann"), "data kept");
        Assert.That((bool)state["recovered"]!, Is.True, "Socket.Recovered on the server");

        var (events, offsets) = Split(outcome["events"]!, withOffsets: true);
        Assert.That(events, Is.EqualTo(ExpectedMissed(5).Append("[\"end\"]")),
            "each missed event once, in order; nothing for other rooms, excluded rooms or volatile");
        Assert.That(offsets, Is.Unique, "every stored event has its own offset");
        Assert.That(probe.MiddlewareRuns, Is.EqualTo(2), "middleware ran for the first connection and the driver, not for the recovery");
    }

    [Test]
    public async Task Middleware_runs_on_recovery_when_SkipMiddlewares_is_off_and_sees_the_recovered_socket()
    {
        var (server, probe) = await StartAsync(skipMiddlewares: false);
        await using var _ = server;

        var outcome = await RunNodeAsync(server, count: 2);

        Assert.That((bool)outcome["second"]!["recovered"]!, Is.True);
        Assert.That(Split(outcome["events"]!, withOffsets: true).Events, Is.EqualTo(ExpectedMissed(2).Append("[\"end\"]")));
        Assert.That(probe.MiddlewareSaw.ToArray(), Is.EqualTo(new (bool, string?)[] { (false, null), (false, null), (true, "ann") }),
            "three runs: first connection, driver, then the recovered socket with its data");
    }

    [Test]
    public async Task A_session_older_than_MaxDisconnectionDuration_is_not_recovered()
    {
        var (server, probe) = await StartAsync(maxDisconnection: "00:00:01");
        await using var _ = server;

        var outcome = await RunNodeAsync(server, count: 2, waitMs: 2000);

        var firstId = (string)outcome["first"]!["id"]!;
        Assert.That(await probe.LeftAsync(firstId).Within(), Is.EqualTo(DisconnectReason.TransportClose));
        Assert.That((bool)outcome["second"]!["recovered"]!, Is.False);
        Assert.That((string)outcome["second"]!["id"]!, Is.Not.EqualTo(firstId), "a new socket id");
        var state = (JObject)outcome["state"]!;
        Assert.That(state["rooms"]!.Select(r => (string)r!), Is.EqualTo(new[] { (string)outcome["second"]!["id"]! }), "no room kept");
        Assert.That(state["user"]!.Type, Is.EqualTo(JTokenType.Null), "no data kept");
        Assert.That((bool)state["recovered"]!, Is.False);
        Assert.That(Split(outcome["events"]!, withOffsets: true).Events, Is.EqualTo(new[] { "[\"end\"]" }), "nothing missed is delivered");
        Assert.That(probe.MiddlewareRuns, Is.EqualTo(3), "a fresh connection runs the middleware");
    }

    [Test]
    public async Task A_client_that_leaves_the_namespace_on_purpose_is_not_recovered()
    {
        var (server, probe) = await StartAsync();
        await using var _ = server;

        var outcome = await RunNodeAsync(server, how: "client-disconnect", count: 2);

        var firstId = (string)outcome["first"]!["id"]!;
        Assert.That(await probe.LeftAsync(firstId).Within(), Is.EqualTo(DisconnectReason.ClientNamespaceDisconnect));
        Assert.That((string)outcome["clientReason"]!, Is.EqualTo("io client disconnect"));
        Assert.That((bool)outcome["second"]!["recovered"]!, Is.False);
        Assert.That((string)outcome["second"]!["id"]!, Is.Not.EqualTo(firstId));
        Assert.That(Split(outcome["events"]!, withOffsets: true).Events, Is.EqualTo(new[] { "[\"end\"]" }));
    }

    [Test]
    public async Task With_recovery_off_nothing_is_recovered_and_events_carry_no_offset()
    {
        var (server, probe) = await StartAsync(maxDisconnection: null);
        await using var _ = server;

        var outcome = await RunNodeAsync(server, count: 2);

        Assert.That((bool)outcome["second"]!["recovered"]!, Is.False);
        Assert.That((string)outcome["second"]!["id"]!, Is.Not.EqualTo((string)outcome["first"]!["id"]!));
        Assert.That(Split(outcome["events"]!, withOffsets: false).Events, Is.EqualTo(new[] { "[\"end\"]" }));

        // On the wire: the CONNECT answer has no pid and an event no offset.
        await using var client = await SioClient.ConnectAsync(server, Nsp);
        var (ws, answer) = await SioClient.TryConnectAsync(server, Nsp);
        await using var __ = ws;
        Assert.That(answer, Does.Match("^40/r,\\{\"sid\":\"[^\"]+\"\\}$"));
        await client.EmitWithAckAsync("setup", "\"room-a\",\"ann\"");
        Assert.That(await client.NextAsync(), Is.EqualTo("2/r,[\"ready\"]"));
    }

    [Test]
    public async Task On_the_wire_CONNECT_has_sid_and_pid_events_end_with_an_offset_and_missed_packets_precede_the_CONNECT()
    {
        var (server, probe) = await StartAsync();
        await using var _ = server;

        // First connection: {"sid","pid"}, then an event carrying its offset as the last argument.
        var (ws, answer) = await SioClient.TryConnectAsync(server, Nsp);
        var connect = System.Text.RegularExpressions.Regex.Match(answer, "^40/r,\\{\"sid\":\"([^\"]+)\",\"pid\":\"([^\"]+)\"\\}$");
        Assert.That(connect.Success, Is.True, answer);
        var (sid, pid) = (connect.Groups[1].Value, connect.Groups[2].Value);
        Assert.That(pid, Is.Not.EqualTo(sid));
        var client = new SioClient(ws, Nsp, sid);
        Assert.That((bool)(await client.EmitWithAckAsync("setup", "\"room-a\",\"ann\""))[0]!, Is.True);
        var (_, name, args) = await client.NextEventAsync();
        Assert.That(name, Is.EqualTo("ready"));
        Assert.That(args, Has.Count.EqualTo(1));
        var offset = (string)args[0]!;

        // The connection drops; the server sends to the room, to the socket and binary meanwhile.
        await ws.DisposeAsync();
        Assert.That(DisconnectReason.IsRecoverable(await probe.LeftAsync(sid).Within()), Is.True, "the server saw the connection drop");
        var ns = server.Io.Of(Nsp);
        ns.To("room-a").Emit("m", 1);
        probe.Sockets[sid].Emit("m", 2);
        ns.Emit("bin", new byte[] { 7 });

        // A new connection presents pid and offset: the missed packets, then the CONNECT with the same sid and pid.
        var (ws2, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var __ = ws2;
        await ws2.SendAsync($"40/r,{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}");
        var texts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            texts.Add(await ws2.NextTextAsync());
        }
        var binary = await ws2.NextSkippingPingsAsync();
        var last = await ws2.NextTextAsync();

        var m1 = System.Text.RegularExpressions.Regex.Match(texts[0], "^42/r,\\[\"m\",1,\"([^\"]+)\"\\]$");
        var m2 = System.Text.RegularExpressions.Regex.Match(texts[1], "^42/r,\\[\"m\",2,\"([^\"]+)\"\\]$");
        var bin = System.Text.RegularExpressions.Regex.Match(texts[2], "^451-/r,\\[\"bin\",\\{\"_placeholder\":true,\"num\":0\\},\"([^\"]+)\"\\]$");
        Assert.That(m1.Success && m2.Success && bin.Success, Is.True, string.Join("\n", texts));
        Assert.That(new[] { offset, m1.Groups[1].Value, m2.Groups[1].Value, bin.Groups[1].Value }, Is.Unique);
        Assert.That(binary.Binary, Is.EqualTo(new byte[] { 7 }), "the attachment follows its packet");
        Assert.That(last, Is.EqualTo($"40/r,{{\"sid\":\"{sid}\",\"pid\":\"{pid}\"}}"));
        Assert.That(probe.Sockets[sid].Recovered, Is.True);

        // An unknown session or offset is a fresh connection.
        var (ws3, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var ___ = ws3;
        await ws3.SendAsync("40/r,{\"pid\":\"foo\",\"offset\":\"bar\"}");
        var fresh = await ws3.NextTextAsync();
        Assert.That(fresh, Does.Match("^40/r,\\{\"sid\":\"[^\"]+\",\"pid\":\"[^\"]+\"\\}$"));
        Assert.That(fresh, Does.Not.Contain(sid).And.Not.Contain("foo"));
    }

    /// <summary>An engine connection that records what is queued on it, from any thread.</summary>
    private sealed class RecordingConnection(string id) : IEngineConnection
    {
        private readonly List<EngineMessage> _sent = [];
        private readonly CancellationTokenSource _closed = new();

        public string Id => id;
        public int ProtocolVersion => 4;
        public string TransportName => "websocket";
        public EngineHandshake Handshake => throw new NotSupportedException();
        public bool IsWritable => true;
        public object? State { get; set; }
        public CancellationToken Closed => _closed.Token;

        /// <summary>Completed once a CONNECT answer (<c>40</c>) was queued.</summary>
        public TaskCompletionSource ConnectAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Send(EngineMessage message)
        {
            lock (_sent)
            {
                _sent.Add(message);
            }
            if (!message.IsBinary && message.Frame.Span.StartsWith("40"u8))
            {
                ConnectAnswered.TrySetResult();
            }
            return true;
        }

        public string[] Texts()
        {
            lock (_sent)
            {
                return [.. _sent.Where(m => !m.IsBinary).Select(m => Encoding.UTF8.GetString(m.Frame.Span))];
            }
        }

        public void Close(string reason) => _closed.Cancel();

        public void SetClientGeneration(bool legacy)
        {
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Broadcasts_racing_with_a_recovery_reach_the_client_exactly_once_and_in_order(bool skipMiddlewares)
    {
        const int MinimumCount = 300;
        var options = new SocketIoOptions { ConnectionStateRecovery = new() { SkipMiddlewares = skipMiddlewares } };
        var io = new SocketIoServer(Options.Create(options), NullLoggerFactory.Instance);
        IEngineConnectionHandler handler = io;
        for (var round = 0; round < 10; round++)
        {
            var ns = io.Of("/race" + round);
            string Packet(string type) => "4" + type + ns.Name + ",";
            // An asynchronous middleware leaves a gap between the restore and the registration.
            ns.Use(async _ => await Task.Yield());
            var first = new RecordingConnection("a" + round);
            handler.OnOpened(first);
            handler.OnMessage(first, Encoding.UTF8.GetBytes("0" + ns.Name + ","), false);
            await first.ConnectAnswered.Task.Within();
            var connect = JObject.Parse(first.Texts()[0][Packet("0").Length..]);
            var (sid, pid) = ((string)connect["sid"]!, (string)connect["pid"]!);
            ns.Emit("n", "start", -1);
            var offset = (string)JArray.Parse(first.Texts()[1][Packet("2").Length..])[^1]!;
            handler.OnClosed(first, DisconnectReason.TransportClose);

            // Two broadcasters (the whole namespace and the socket's own room), each numbering its
            // events, go on until the client has recovered; the recovery starts once they are under way.
            var progress = 0;
            var recovered = 0;
            Task<int> Broadcaster(Action<int> emit) => Task.Run(() =>
            {
                var i = 0;
                // Until the client recovered (bounded, so a slow machine does not pile up millions).
                for (; i < MinimumCount || (Volatile.Read(ref recovered) == 0 && i < 20_000); i++)
                {
                    emit(i);
                    Interlocked.Increment(ref progress);
                }
                return i;
            });
            var all = Broadcaster(i => ns.Emit("n", "all", i));
            var own = Broadcaster(i => ns.To(sid).Emit("n", "own", i));
            var second = new RecordingConnection("b" + round);
            await Task.Run(() =>
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref progress) >= MinimumCount / 2, TimeSpan.FromSeconds(10));
                handler.OnOpened(second);
                handler.OnMessage(second, Encoding.UTF8.GetBytes($"0{ns.Name},{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}"), false);
            });
            await second.ConnectAnswered.Task.Within();
            Volatile.Write(ref recovered, 1);
            var counts = new Dictionary<string, int> { ["all"] = await all.Within(), ["own"] = await own.Within() };
            // Everything emitted is queued by now: each tag's numbers exactly once and in order.
            var texts = second.Texts();
            var connectAnswer = texts.Single(t => t.StartsWith(Packet("0"), StringComparison.Ordinal));
            Assert.That(connectAnswer, Is.EqualTo($"{Packet("0")}{{\"sid\":\"{sid}\",\"pid\":\"{pid}\"}}"), "recovered: same sid and pid");
            var received = texts.Where(t => t.StartsWith(Packet("2"), StringComparison.Ordinal))
                .Select(t => JArray.Parse(t[Packet("2").Length..]))
                .ToList();
            foreach (var (tag, count) in counts)
            {
                var numbers = received.Where(e => (string)e[1]! == tag).Select(e => (int)e[2]!).ToList();
                Assert.That(numbers, Is.EqualTo(Enumerable.Range(0, count)), $"round {round}, {tag}: every number once, in order");
            }
            Assert.That(received.Select(e => (string)e[^1]!), Is.Unique, "offsets are unique");
        }
    }
}
