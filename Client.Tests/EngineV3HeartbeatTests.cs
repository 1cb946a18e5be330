using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The Engine.IO v3 heartbeat runs the other way round from v4: the client pings ("2"), the server
/// answers "3", and a session that hears no ping for pingInterval + pingTimeout is closed.
/// </summary>
public sealed class EngineV3HeartbeatTests
{
    [Test]
    public async Task A_ping_posted_over_polling_is_answered_with_a_pong_each_time()
    {
        await using var server = await EngineEcho.StartAsync();
        using var http = new V3Polling(server.Url);
        var (sid, _) = await http.OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await http.SendAsync(sid, "2");
            Assert.That((await http.GetAsync(sid)).Text, Is.EqualTo("1:3"));
        }
    }

    [Test]
    public async Task A_ping_with_data_is_answered_with_a_pong_carrying_the_same_data()
    {
        await using var server = await EngineEcho.StartAsync();
        using var http = new V3Polling(server.Url);
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "2hi");
        Assert.That((await http.GetAsync(sid)).Text, Is.EqualTo("3:3hi"));
    }

    [Test]
    public async Task A_ping_sent_over_websocket_is_answered_with_a_pong_each_time()
    {
        await using var server = await EngineEcho.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/engine.io/?EIO=3&transport=websocket");
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        for (var i = 0; i < 3; i++)
        {
            await socket.SendAsync("2");
            Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("3"));
        }
    }

    [Test]
    public async Task The_server_never_pings_an_EIO3_client_itself()
    {
        // Short settings so several intervals pass; the session dies at 1.5 s without a ping, and
        // until then nothing may arrive (a server ping would be "2").
        await using var server = await EngineEcho.StartAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000));
        await using var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/engine.io/?EIO=3&transport=websocket");
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        Assert.That((await socket.ReceiveAsync()).IsClose, Is.True, "the first thing after the open packet is the close");
    }

    [Test]
    public async Task A_polling_session_without_pings_is_closed_after_pingInterval_plus_pingTimeout()
    {
        // The conformance profile: 300 + 200 ms.
        await using var server = await TestServer.StartAsync("conformance");
        using var http = new V3Polling(server.Url);
        var (sid, _) = await http.OpenAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        var post = await http.PostAsync(sid, "1:2");
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(post.Text, Is.EqualTo("{\"code\":1,\"message\":\"Session ID unknown\"}"));
    }

    [Test]
    public async Task A_websocket_session_without_pings_is_closed_by_the_server()
    {
        await using var server = await TestServer.StartAsync("conformance");
        await using var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/engine.io/?EIO=3&transport=websocket");
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        Assert.That((await socket.ReceiveAsync()).IsClose, Is.True);
    }

    [Test]
    public async Task Regular_pings_keep_a_polling_session_alive_well_past_pingInterval_plus_pingTimeout()
    {
        // 1 s + 1 s: pinging every 200 ms leaves a loaded machine plenty of slack per ping, and
        // 4 s of pinging outlives two unpinged lifetimes.
        await using var server = await EngineEcho.StartAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var http = new V3Polling(server.Url);
        var (sid, _) = await http.OpenAsync();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (DateTime.UtcNow < until)
        {
            await http.SendAsync(sid, "2");
            Assert.That((await http.GetAsync(sid)).Text, Is.EqualTo("1:3"));
            await Task.Delay(200);
        }
        await http.SendAsync(sid, "4still here");
        Assert.That((await http.GetAsync(sid)).Text, Is.EqualTo("11:4still here"));
    }

    [Test]
    public async Task A_pong_from_the_client_is_the_wrong_direction_and_closes_the_session()
    {
        await using var server = await EngineEcho.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/engine.io/?EIO=3&transport=websocket");
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        await socket.SendAsync("3");
        Assert.That((await socket.ReceiveAsync()).IsClose, Is.True);

        using var http = new V3Polling(server.Url);
        var (sid, _) = await http.OpenAsync();
        await http.PostAsync(sid, "1:3");
        Assert.That((await http.GetAsync(sid)).Status, Is.EqualTo(HttpStatusCode.BadRequest), "the session is gone");
    }
}
