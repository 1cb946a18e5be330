using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability;

/// <summary>
/// SIGTERM: the host tells every connected client, over both transports and both protocol
/// generations, that the session is over, and then the process exits with code 0.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Test]
    public async Task Sigterm_closes_every_session_and_the_process_exits_cleanly()
    {
        var database = Path.Combine(Path.GetTempPath(), "socketiochat-tests", $"shutdown-{Guid.NewGuid():N}.db");
        await using var host = await HostProcess.StartAsync("--profile", "default", "--Chat:Database", database);
        var ws = host.Url.Replace("http://", "ws://", StringComparison.Ordinal);

        // WebSocket, Engine.IO v4 and v3, each connected to /test and answered.
        var (v4, _) = await EngineWebSocket.OpenAsync(ws + "/socket.io/?EIO=4&transport=websocket");
        await using var v4Socket = v4;
        await v4.SendAsync("40/test,");
        Assert.That(await v4.NextTextAsync(), Does.StartWith("40/test,"));
        Assert.That(await v4.NextTextAsync(), Does.Contain("Connected"));
        var (v3, _) = await EngineWebSocket.OpenAsync(ws + "/socket.io/?EIO=3&transport=websocket");
        await using var v3Socket = v3;
        Assert.That(await v3.NextTextAsync(), Is.EqualTo("40"));
        await v3.SendAsync("40/test");
        Assert.That(await v3.NextTextAsync(), Is.EqualTo("40/test,"));
        Assert.That(await v3.NextTextAsync(), Does.Contain("Connected"));

        // Polling, Engine.IO v4 and v3, each connected to /test with a long poll waiting.
        using var v4Http = new EngineHttp(host.Url, "/socket.io/");
        var v4Sid = await v4Http.OpenAsync();
        Assert.That((await v4Http.PostAsync(v4Http.PollingUrl(v4Sid), "40/test,")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await v4Http.GetAsync(v4Http.PollingUrl(v4Sid))).Body, Does.Contain("Connected"));
        var v4Poll = v4Http.GetAsync(v4Http.PollingUrl(v4Sid));
        using var v3Http = new V3Polling(host.Url, "/socket.io/");
        var (v3Sid, _) = await v3Http.OpenAsync();
        await v3Http.SendAsync(v3Sid, "40/test");
        await Eventually.Until(() => v3Http.PollAsync(v3Sid), packets => packets.Any(p => p.Contains("Connected")), "the v3 polling client connected to /test");
        var v3Poll = v3Http.GetAsync(v3Sid);

        await host.SignalAsync("TERM");

        Assert.That(await v4.NextSkippingPingsAsync(), Is.EqualTo(new WsMessage(null, null, true)), "v4 WebSocket");
        Assert.That(await v3.NextSkippingPingsAsync(), Is.EqualTo(new WsMessage(null, null, true)), "v3 WebSocket");
        var (v4Status, v4Body) = await v4Poll.Within();
        Assert.That((v4Status, v4Body), Is.EqualTo((HttpStatusCode.OK, "1")), "v4 polling: the close packet");
        var v3Answer = await v3Poll.Within();
        Assert.That((v3Answer.Status, V3Payload.Decode(v3Answer.Text)), Is.EqualTo((HttpStatusCode.OK, new List<string> { "1" })), "v3 polling: the close packet");

        Assert.That(await host.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(0), host.Output);
    }
}
