using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>A close packet from an Engine.IO v3 client ends its session on either transport.</summary>
public sealed class EngineV3CloseTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await EngineEcho.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task A_close_posted_while_a_poll_is_pending_ends_that_poll_with_a_noop_then_the_sid_is_unknown()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var pending = http.GetAsync(sid);
        // Give the poll time to be waiting: a POST that overtook it would close the session first,
        // and the poll would then find its sid unknown (as on the reference).
        await Task.Delay(200);
        var post = await http.PostAsync(sid, "1:1");
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK));

        var poll = await pending.Within();
        Assert.That(poll.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(poll.Text, Is.EqualTo("1:6"));
        Assert.That((await http.GetAsync(sid)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_close_packet_over_websocket_closes_the_socket()
    {
        await using var socket = await RawWebSocket.ConnectAsync(_server.WsUrl + "/engine.io/?EIO=3&transport=websocket");
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        await socket.SendAsync("1");
        Assert.That((await socket.ReceiveAsync()).IsClose, Is.True);
    }
}
