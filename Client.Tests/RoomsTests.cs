using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>Rooms and broadcast targets, observed on the wire by raw clients.</summary>
public sealed class RoomsTests
{
    private TestServer _server = null!;
    private Namespace _ns = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _ns = _server.Io.Of("/rooms");
        _ns.OnConnection(socket =>
        {
            socket.On("join", e => socket.Join(e.Args.Select(a => (string)a!).ToArray()));
            socket.On("leave", e => socket.Leave((string)e.Arg(0)!));
            socket.On("to", e => _ns.To(e.Arg(0)!.ToObject<string[]>()!).Except(e.Arg(1)!.ToObject<string[]>()!).Emit("hit", socket.Id));
            socket.On("socket-to", e => socket.To((string)e.Arg(0)!).Emit("hit", socket.Id));
            socket.On("broadcast", e => socket.Broadcast.Emit("hit", socket.Id));
            // The marker comes after the hits in every client's queue, so "no hit before the marker" means none at all.
            socket.On("marker", e => _ns.Emit("marker"));
            socket.On("sync", e => e.Ack());
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private readonly Dictionary<RawWebSocket, string> _ids = [];

    private async Task<RawWebSocket[]> ConnectAsync(int count)
    {
        var sockets = new RawWebSocket[count];
        for (var i = 0; i < count; i++)
        {
            var (socket, answer) = await RawSocketIo.ConnectAsync(_server, "/rooms");
            Assert.That(answer, Does.StartWith("40/rooms,{\"sid\":"));
            sockets[i] = socket;
            _ids[socket] = (string)Newtonsoft.Json.Linq.JObject.Parse(answer["40/rooms,".Length..])["sid"]!;
        }
        return sockets;
    }

    /// <summary>Sends a packet and waits for an ack, so the server has handled it before the test goes on.</summary>
    private static async Task SendAndSyncAsync(RawWebSocket socket, string packet)
    {
        await socket.SendAsync(packet);
        await socket.SendAsync("42/rooms,99[\"sync\"]");
        await socket.ReceiveUntilAsync("43/rooms,99");
    }

    private static async Task<int[]> HitsAsync(RawWebSocket trigger, RawWebSocket[] all)
    {
        await trigger.SendAsync("42/rooms,[\"marker\"]");
        var hits = new int[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            hits[i] = (await all[i].ReceiveUntilAsync("42/rooms,[\"marker\"]")).Count(p => p.StartsWith("42/rooms,[\"hit\"", StringComparison.Ordinal));
        }
        return hits;
    }

    [Test]
    public async Task A_socket_in_several_targeted_rooms_receives_the_event_once()
    {
        var s = await ConnectAsync(3);
        await SendAndSyncAsync(s[0], "42/rooms,[\"join\",\"r1\"]");
        await SendAndSyncAsync(s[1], "42/rooms,[\"join\",\"r1\",\"r2\"]");

        await s[2].SendAsync("42/rooms,[\"to\",[\"r1\",\"r2\"],[]]");
        Assert.That(await HitsAsync(s[2], s), Is.EqualTo(new[] { 1, 1, 0 }));
        foreach (var socket in s)
        {
            await socket.DisposeAsync();
        }
    }

    [Test]
    public async Task Except_removes_the_sockets_of_a_room_from_the_target()
    {
        var s = await ConnectAsync(3);
        await SendAndSyncAsync(s[0], "42/rooms,[\"join\",\"a\"]");
        await SendAndSyncAsync(s[1], "42/rooms,[\"join\",\"a\",\"b\"]");

        await s[2].SendAsync("42/rooms,[\"to\",[\"a\"],[\"b\"]]");
        Assert.That(await HitsAsync(s[2], s), Is.EqualTo(new[] { 1, 0, 0 }));
        foreach (var socket in s)
        {
            await socket.DisposeAsync();
        }
    }

    [Test]
    public async Task Broadcast_from_a_socket_reaches_everyone_but_the_sender()
    {
        var s = await ConnectAsync(3);
        await s[0].SendAsync("42/rooms,[\"broadcast\"]");
        Assert.That(await HitsAsync(s[0], s), Is.EqualTo(new[] { 0, 1, 1 }));
        foreach (var socket in s)
        {
            await socket.DisposeAsync();
        }
    }

    [Test]
    public async Task To_from_a_socket_excludes_the_sender_even_when_it_is_in_the_room()
    {
        var s = await ConnectAsync(3);
        await SendAndSyncAsync(s[0], "42/rooms,[\"join\",\"c\"]");
        await SendAndSyncAsync(s[1], "42/rooms,[\"join\",\"c\"]");
        await s[0].SendAsync("42/rooms,[\"socket-to\",\"c\"]");
        Assert.That(await HitsAsync(s[0], s), Is.EqualTo(new[] { 0, 1, 0 }));
        foreach (var socket in s)
        {
            await socket.DisposeAsync();
        }
    }

    [Test]
    public async Task A_socket_that_left_a_room_no_longer_receives_its_events()
    {
        var s = await ConnectAsync(2);
        await SendAndSyncAsync(s[0], "42/rooms,[\"join\",\"d\"]");
        await SendAndSyncAsync(s[0], "42/rooms,[\"leave\",\"d\"]");
        await s[1].SendAsync("42/rooms,[\"to\",[\"d\"],[]]");
        Assert.That(await HitsAsync(s[1], s), Is.EqualTo(new[] { 0, 0 }));
        foreach (var socket in s)
        {
            await socket.DisposeAsync();
        }
    }

    [Test]
    public async Task Every_socket_is_in_the_room_named_by_its_id()
    {
        var s = await ConnectAsync(2);
        var id = _ids[s[1]];
        Assert.That(_ns.Sockets[id].Rooms, Does.Contain(id));
        await s[0].SendAsync($"42/rooms,[\"to\",[\"{id}\"],[]]");
        Assert.That(await HitsAsync(s[0], s), Is.EqualTo(new[] { 0, 1 }), "exactly the socket with that id");
        foreach (var socket in s)
        {
            await socket.DisposeAsync();
        }
    }
}
