using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Rooms joined and left several at a time, targets over several rooms, emitting from the server
/// object, immutable targets, and the volatile, compress and local flags — observed on the wire.
/// Each "nothing else arrived" is shown by a marker event sent to everyone afterwards.
/// </summary>
public sealed class RoomsBroadcastFlagsTests
{
    private TestServer _server = null!;
    private Namespace _ns = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _ns = _server.Io.Of("/flags");
        _ns.OnConnection(socket =>
        {
            socket.On("join", e => socket.Join(e.Args.Select(a => (string)a!).ToArray()));
            socket.On("leave", e => socket.Leave(e.Args.Select(a => (string)a!).ToArray()));
            socket.On("sync", e => e.Ack());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private async Task<SioClient[]> ConnectAsync(int count, string nsp = "/flags")
    {
        var clients = new SioClient[count];
        for (var i = 0; i < count; i++)
        {
            clients[i] = await SioClient.ConnectAsync(_server, nsp);
        }
        return clients;
    }

    private static async Task JoinAsync(SioClient client, params string[] rooms)
    {
        await client.EmitAsync("join", string.Join(",", rooms.Select(r => $"\"{r}\"")));
        await client.EmitWithAckAsync("sync");
    }

    /// <summary>Sends a marker to every socket of the namespace, then counts what each got before it.</summary>
    private async Task<List<string>[]> ReceivedAsync(Namespace ns, params SioClient[] clients)
    {
        ns.Emit("marker");
        var result = new List<string>[clients.Length];
        for (var i = 0; i < clients.Length; i++)
        {
            result[i] = await clients[i].EventsUntilAsync("marker");
        }
        return result;
    }

    private static async Task DisposeAllAsync(IEnumerable<SioClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Test]
    public async Task A_socket_joins_and_leaves_several_rooms_in_one_call()
    {
        var c = await ConnectAsync(2);
        await JoinAsync(c[0], "r1", "r2", "r3");
        Assert.That(_ns.Sockets[c[0].Id].Rooms, Is.EquivalentTo(new[] { c[0].Id, "r1", "r2", "r3" }));
        await c[0].EmitAsync("leave", "\"r1\",\"r2\"");
        await c[0].EmitWithAckAsync("sync");
        Assert.That(_ns.Sockets[c[0].Id].Rooms, Is.EquivalentTo(new[] { c[0].Id, "r3" }));

        _ns.To("r1", "r2").Emit("left-rooms");
        _ns.To("r3").Emit("kept-room");
        var got = await ReceivedAsync(_ns, c);
        Assert.That(got[0], Is.EqualTo(new[] { "kept-room" }));
        Assert.That(got[1], Is.Empty);
        await DisposeAllAsync(c);
    }

    [Test]
    public async Task To_several_rooms_except_several_rooms_reaches_the_union_minus_the_exceptions_once_each()
    {
        var c = await ConnectAsync(5);
        await JoinAsync(c[0], "a");
        await JoinAsync(c[1], "a", "b");
        await JoinAsync(c[2], "b", "x");
        await JoinAsync(c[3], "a", "y");
        // c[4] is in no room.
        _ns.To("a").To("b").Except("x").Except("y").Emit("hit");
        var got = await ReceivedAsync(_ns, c);
        Assert.That(got.Select(g => g.Count), Is.EqualTo(new[] { 1, 1, 0, 0, 0 }));
        await DisposeAllAsync(c);
    }

    [Test]
    public async Task A_broadcast_target_is_immutable_and_reusable()
    {
        var c = await ConnectAsync(2);
        await JoinAsync(c[0], "imm");
        await JoinAsync(c[1], "imm", "skip");
        var target = _ns.To("imm");
        var narrower = target.Except("skip");
        Assert.That(target.Options.Except, Is.Empty, "Except returned a new target");
        narrower.Emit("narrow");
        target.Emit("wide");
        target.Emit("wide");
        var got = await ReceivedAsync(_ns, c);
        Assert.That(got[0], Is.EqualTo(new[] { "narrow", "wide", "wide" }));
        Assert.That(got[1], Is.EqualTo(new[] { "wide", "wide" }));
        await DisposeAllAsync(c);
    }

    [Test]
    public async Task The_server_object_emits_to_the_main_namespace_only()
    {
        var main = await SioClient.ConnectAsync(_server, "/");
        var other = await SioClient.ConnectAsync(_server, "/flags");
        _server.Io.Emit("from-io");
        _server.Io.To(main.Id).Emit("to-id");
        _server.Io.Except(main.Id).Emit("except-me");
        _server.Io.Sockets.Emit("marker");
        Assert.That(await main.EventsUntilAsync("marker"), Is.EqualTo(new[] { "from-io", "to-id" }));
        Assert.That((await ReceivedAsync(_ns, other))[0], Is.Empty, "a socket of /flags got nothing from io.Emit");
        await main.DisposeAsync();
        await other.DisposeAsync();
    }

    [Test]
    public async Task Volatile_reaches_a_websocket_client_that_can_take_it()
    {
        var c = await ConnectAsync(1);
        _ns.Volatile.Emit("volatile");
        Assert.That((await ReceivedAsync(_ns, c))[0], Is.EqualTo(new[] { "volatile" }));
        await DisposeAllAsync(c);
    }

    [Test]
    public async Task Volatile_is_dropped_for_a_polling_client_with_no_pending_poll()
    {
        using var http = new EngineHttp(_server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        await http.PostAsync(http.PollingUrl(sid), "40/flags,");
        var answer = await http.PollSkippingPingsAsync(sid);
        Assert.That(answer[0], Does.StartWith("40/flags,{\"sid\":"));
        var id = (string)Newtonsoft.Json.Linq.JObject.Parse(answer[0]["40/flags,".Length..])["sid"]!;

        // No GET is pending now: the transport cannot take a packet, so the volatile one is dropped
        // and only the ordinary one waits in the queue.
        _ns.To(id).Volatile.Emit("volatile");
        _ns.To(id).Emit("ordinary");
        var next = await http.PollSkippingPingsAsync(sid);
        Assert.That(next, Is.EqualTo(new[] { "42/flags,[\"ordinary\"]" }));
    }

    [Test]
    public async Task Compress_false_reaches_the_client_and_the_engine_is_told_not_to_compress()
    {
        var c = await ConnectAsync(1);
        _ns.Compress(false).Emit("plain");
        Assert.That((await ReceivedAsync(_ns, c))[0], Is.EqualTo(new[] { "plain" }));
        await DisposeAllAsync(c);

        // What the engine is handed, seen through a recording connection.
        var io = new SocketIoServer(Options.Create(new SocketIoOptions()), NullLoggerFactory.Instance);
        var connection = new RecordingConnection();
        IEngineConnectionHandler handler = io;
        handler.OnOpened(connection);
        handler.OnMessage(connection, "0"u8, false);
        io.Compress(false).Emit("no");
        io.Emit("yes");
        io.Compress(false).Emit("binary", new byte[] { 1, 2 });
        var events = connection.Sent.Skip(1).ToList(); // after the CONNECT answer
        Assert.That(events.Select(m => m.Compress), Is.EqualTo(new[] { false, true, false, false }));
    }

    [Test]
    public async Task Local_reaches_the_local_sockets_and_is_carried_to_the_adapter()
    {
        var c = await ConnectAsync(1);
        var local = _ns.Local;
        Assert.That(local.Options.Local, Is.True);
        var options = _ns.To("r").Local.Volatile.Compress(false).Timeout(TimeSpan.FromSeconds(3)).Options;
        Assert.That((options.Local, options.Volatile, options.Compress, options.Timeout), Is.EqualTo((true, true, false, (TimeSpan?)TimeSpan.FromSeconds(3))));
        Assert.That(options.Rooms, Is.EquivalentTo(new[] { "r" }));
        local.Emit("local");
        Assert.That((await ReceivedAsync(_ns, c))[0], Is.EqualTo(new[] { "local" }));
        await DisposeAllAsync(c);
    }

    private sealed class RecordingConnection : IEngineConnection
    {
        public List<EngineMessage> Sent { get; } = [];
        public string Id => "recording";
        public int ProtocolVersion => 4;
        public string TransportName => "websocket";
        public EngineHandshake Handshake => throw new NotSupportedException();
        public bool IsWritable => true;
        public object? State { get; set; }
        public CancellationToken Closed => CancellationToken.None;
        public bool Send(EngineMessage message)
        {
            lock (Sent)
            {
                Sent.Add(message);
            }
            return true;
        }
        public void Close(string reason)
        {
        }
        public void SetClientGeneration(bool legacy)
        {
        }
    }
}
