using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Upgrading an Engine.IO v3 polling session to WebSocket: <c>2probe</c>/<c>3probe</c>, the poll
/// released with a noop, <c>5</c>, and afterwards only the first WebSocket is served.
/// </summary>
public sealed class EngineV3UpgradeTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await EngineEcho.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private async Task<(V3Polling Http, string Sid, RawWebSocket Socket)> ProbeAsync()
    {
        var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var socket = await RawWebSocket.ConnectAsync($"{_server.WsUrl}/engine.io/?EIO=3&transport=websocket&sid={sid}");
        await socket.SendAsync("2probe");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("3probe"));
        return (http, sid, socket);
    }

    [Test]
    public async Task A_probed_session_answers_a_poll_with_a_noop_and_moves_to_websocket_on_upgrade()
    {
        var (http, sid, socket) = await ProbeAsync();
        using var _ = http;
        await using var __ = socket;
        var poll = await http.GetAsync(sid);
        Assert.That(poll.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(poll.Text, Is.EqualTo("1:6"));

        await socket.SendAsync("5");
        await socket.SendAsync("4hello");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4hello"));
    }

    [Test]
    public async Task A_poll_pending_when_the_probe_arrives_is_released_with_a_noop()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var pending = http.GetAsync(sid);
        await Task.Delay(200); // let the poll reach the server and wait there
        await using var socket = await RawWebSocket.ConnectAsync($"{_server.WsUrl}/engine.io/?EIO=3&transport=websocket&sid={sid}");
        await socket.SendAsync("2probe");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("3probe"));
        Assert.That((await pending.Within()).Text, Is.EqualTo("1:6"));
    }

    [Test]
    public async Task Packets_queued_before_the_upgrade_are_delivered_over_the_websocket()
    {
        var (http, sid, socket) = await ProbeAsync();
        using var _ = http;
        await using var __ = socket;
        // Posted over polling during the probe: the echo is queued and must follow the upgrade.
        await http.SendAsync(sid, "4queued");
        await socket.SendAsync("5");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4queued"));
    }

    [Test]
    public async Task After_the_upgrade_a_poll_with_the_same_sid_is_refused()
    {
        var (http, sid, socket) = await ProbeAsync();
        using var _ = http;
        await using var __ = socket;
        await socket.SendAsync("5");
        // The echo proves the server has taken the upgrade before the poll is sent.
        await socket.SendAsync("4hello");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4hello"));

        Assert.That((await http.GetAsync(sid)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        await socket.SendAsync("4still open");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4still open"));
    }

    [Test]
    public async Task After_the_upgrade_a_second_websocket_with_the_same_sid_is_closed()
    {
        var (http, sid, socket) = await ProbeAsync();
        using var _ = http;
        await using var __ = socket;
        await socket.SendAsync("5");
        await socket.SendAsync("4hello");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4hello"));

        await using var second = await RawWebSocket.ConnectAsync($"{_server.WsUrl}/engine.io/?EIO=3&transport=websocket&sid={sid}");
        Assert.That((await second.ReceiveAsync()).IsClose, Is.True);
        await socket.SendAsync("4still open");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4still open"));
    }
}
