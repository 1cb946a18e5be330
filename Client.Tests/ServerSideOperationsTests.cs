using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Server-side operations through the adapter: FetchSocketsAsync (and the remote handles' emit,
/// join, leave, disconnect), SocketsJoin, SocketsLeave, DisconnectSockets, ServerSideEmit and the
/// room lifecycle events — on a namespace, the server (main namespace) and a broadcast target.
/// </summary>
public sealed class ServerSideOperationsTests
{
    private TestServer _server = null!;
    private Namespace _ns = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _ns = _server.Io.Of("/ops");
        _ns.OnConnection(socket =>
        {
            socket.Data["name"] = (string?)socket.Auth["name"];
            socket.On("join", e => socket.Join(e.Args.Select(a => (string)a!).ToArray()));
            socket.On("sync", e => e.Ack());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private async Task<SioClient> ConnectAsync(string name, params string[] rooms)
    {
        var client = await SioClient.ConnectAsync(_server, "/ops", $"{{\"name\":\"{name}\"}}");
        if (rooms.Length > 0)
        {
            await client.EmitAsync("join", string.Join(",", rooms.Select(r => $"\"{r}\"")));
        }
        await client.EmitWithAckAsync("sync");
        return client;
    }

    [Test]
    public async Task FetchSockets_returns_id_handshake_rooms_and_data_of_the_targeted_sockets()
    {
        await using var alice = await ConnectAsync("alice", "fetch-room");
        await using var bob = await ConnectAsync("bob", "fetch-room", "other");
        await using var carol = await ConnectAsync("carol");

        var fetched = await _ns.In("fetch-room").FetchSocketsAsync();
        Assert.That(fetched.Select(s => s.Id), Is.EquivalentTo(new[] { alice.Id, bob.Id }));
        var b = fetched.Single(s => s.Id == bob.Id);
        Assert.That(b.Rooms, Is.EquivalentTo(new[] { bob.Id, "fetch-room", "other" }));
        Assert.That(b.Data["name"], Is.EqualTo("bob"));
        Assert.That((string?)b.Handshake.Auth["name"], Is.EqualTo("bob"));
        Assert.That(b.Handshake.Query["transport"], Is.EqualTo("websocket"));

        var all = await _ns.FetchSocketsAsync();
        Assert.That(all.Select(s => s.Id), Is.SupersetOf(new[] { alice.Id, bob.Id, carol.Id }));
    }

    [Test]
    public async Task A_remote_handle_emits_joins_leaves_and_disconnects_its_socket_only()
    {
        await using var alice = await ConnectAsync("alice", "handles");
        await using var bob = await ConnectAsync("bob", "handles");
        var handle = (await _ns.In(alice.Id).FetchSocketsAsync()).Single();

        handle.Emit("just-you", 1);
        handle.Join("joined-by-handle", "second");
        Assert.That(_ns.Sockets[alice.Id].Rooms, Is.SupersetOf(new[] { "joined-by-handle", "second" }));
        handle.Leave("second");
        Assert.That(_ns.Sockets[alice.Id].Rooms, Does.Not.Contain("second"));
        _ns.To("joined-by-handle").Emit("room-hit");
        _ns.To("handles").Emit("marker");
        Assert.That(await alice.EventsUntilAsync("marker"), Is.EqualTo(new[] { "just-you", "room-hit" }));
        Assert.That(await bob.EventsUntilAsync("marker"), Is.Empty);

        handle.Disconnect();
        Assert.That(await alice.NextAsync(), Is.EqualTo("1/ops,"));
        Assert.That(_ns.Sockets.ContainsKey(alice.Id), Is.False);
        Assert.That(_ns.Sockets.ContainsKey(bob.Id), Is.True);
    }

    [Test]
    public async Task SocketsJoin_and_SocketsLeave_move_the_targeted_sockets_between_rooms()
    {
        await using var a = await ConnectAsync("a", "src");
        await using var b = await ConnectAsync("b", "src", "keep");
        await using var c = await ConnectAsync("c");
        _ns.In("src").SocketsJoin("dst", "dst2");
        Assert.That(_ns.Sockets[a.Id].Rooms, Is.SupersetOf(new[] { "dst", "dst2" }));
        _ns.In("keep").SocketsLeave("dst", "dst2");
        _ns.To("dst").Emit("dst-hit");
        _ns.To("dst2").Emit("dst2-hit");
        _ns.Emit("marker");
        Assert.That(await a.EventsUntilAsync("marker"), Is.EqualTo(new[] { "dst-hit", "dst2-hit" }));
        Assert.That(await b.EventsUntilAsync("marker"), Is.Empty);
        Assert.That(await c.EventsUntilAsync("marker"), Is.Empty);
    }

    [Test]
    public async Task DisconnectSockets_without_close_leaves_the_connection_open_and_with_close_closes_it()
    {
        await using var soft = await ConnectAsync("soft", "soft-room");
        await using var hard = await ConnectAsync("hard", "hard-room");
        await using var untouched = await ConnectAsync("untouched");

        _ns.In("soft-room").DisconnectSockets();
        Assert.That(await soft.NextAsync(), Is.EqualTo("1/ops,"));
        // The engine connection is still open: it can join another namespace.
        await soft.Socket.SendAsync("40/test,");
        Assert.That(await soft.NextAsync(), Does.StartWith("0/test,{\"sid\":"));

        _ns.In("hard-room").DisconnectSockets(close: true);
        Assert.That(await hard.NextAsync(), Is.EqualTo("1/ops,"));
        await hard.Socket.ExpectClosedAsync();

        Assert.That(await untouched.EmitWithAckAsync("sync"), Is.Empty, "the other socket is still connected");
    }

    [Test]
    public async Task The_server_object_operates_on_the_main_namespace()
    {
        await using var main = await SioClient.ConnectAsync(_server, "/");
        await using var other = await ConnectAsync("other");
        var fetched = await _server.Io.FetchSocketsAsync();
        Assert.That(fetched.Select(s => s.Id), Does.Contain(main.Id).And.Not.Contain(other.Id));
        _server.Io.In(main.Id).SocketsJoin("io-room");
        Assert.That(_server.Io.Sockets.Sockets[main.Id].Rooms, Does.Contain("io-room"));
        _server.Io.In("io-room").SocketsLeave("io-room");
        Assert.That(_server.Io.Sockets.Sockets[main.Id].Rooms, Does.Not.Contain("io-room"));
        _server.Io.In(main.Id).DisconnectSockets();
        Assert.That(await main.NextAsync(), Is.EqualTo("1"));
        Assert.That(await other.EmitWithAckAsync("sync"), Is.Empty);
    }

    [Test]
    public async Task ServerSideEmit_is_a_no_op_for_a_single_server_and_refuses_reserved_names()
    {
        Assert.That(_server.Io.ServerSideEmit("hello", "world"), Is.True);
        Assert.That(_ns.ServerSideEmit("hello"), Is.True);
        Assert.That(await _ns.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(1), "question").Within(), Is.Empty);
        Assert.Throws<ArgumentException>(() => _ns.ServerSideEmit("connection"));
        Assert.Throws<ArgumentException>(() => _ns.ServerSideEmit("new_namespace"));

        // What another server would send arrives through the adapter's entry point.
        var received = new List<string>();
        _ns.OnServerSideEmit("from-peer", args => received.Add(args.ToString(Newtonsoft.Json.Formatting.None)));
        _ns.ReceiveServerSideEmit("from-peer", new JArray(1, "two"));
        Assert.That(received, Is.EqualTo(new[] { "[1,\"two\"]" }));
    }

    [Test]
    public async Task Room_lifecycle_events_follow_joins_and_leaves()
    {
        var ns = _server.Io.Of("/room-events");
        var events = new List<string>();
        ns.Adapter.RoomCreated += room => Record(events, "create " + room);
        ns.Adapter.RoomJoined += (room, id) => Record(events, $"join {room} {(room == id ? "<own>" : "")}");
        ns.Adapter.RoomLeft += (room, id) => Record(events, $"leave {room} {(room == id ? "<own>" : "")}");
        ns.Adapter.RoomDeleted += room => Record(events, "delete " + (room.Length > 10 ? "<own>" : room));
        ns.OnConnection(socket =>
        {
            socket.On("join", e => socket.Join((string)e.Arg(0)!));
            socket.On("leave", e => socket.Leave((string)e.Arg(0)!));
            socket.On("sync", e => e.Ack());
        });

        var client = await SioClient.ConnectAsync(_server, "/room-events");
        await client.EmitAsync("join", "\"lobby\"");
        await client.EmitAsync("join", "\"lobby\"");
        await client.EmitAsync("leave", "\"lobby\"");
        await client.EmitWithAckAsync("sync");
        await client.LeaveAsync();
        await Eventually.True(() => ns.Sockets.Count == 0, "the socket left");
        // Room events are raised on a thread of their own, after the change.
        await Eventually.True(() => { lock (events) { return events.Count >= 8; } }, "all room events raised");
        string[] snapshot;
        lock (events)
        {
            snapshot = [.. events];
        }
        Assert.That(snapshot, Is.EqualTo(new[]
        {
            "create <own>".Replace("<own>", snapshot[0]["create ".Length..]), // the own-id room, whatever the id
            "join " + snapshot[0]["create ".Length..] + " <own>",
            "create lobby", "join lobby ", "leave lobby ", "delete lobby",
            "leave " + snapshot[0]["create ".Length..] + " <own>", "delete <own>",
        }));
        await client.DisposeAsync();
    }

    private static void Record(List<string> events, string text)
    {
        lock (events)
        {
            events.Add(text);
        }
    }
}
