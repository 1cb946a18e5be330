using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Limits;

/// <summary>The bounded outbound queue: a client that stops reading is closed, not buffered forever.</summary>
public sealed class SlowClientTests
{
    [Test]
    public async Task A_polling_client_that_never_polls_is_closed_when_its_queue_overflows_and_others_are_unaffected()
    {
        await using var server = await TestServer.StartAsync("default", "--SocketIo:MaxQueuedPackets=50");
        server.Io.Of("/flood").OnConnection(socket =>
        {
            for (var i = 0; i < 200; i++)
            {
                socket.Emit("flood", i);
            }
        });
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), "40/flood,");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));

        await Eventually.True(() => server.Io.Of("/flood").Sockets.Count == 0, "the flooded socket to be disconnected");
        var (after, body) = await http.GetAsync(http.PollingUrl(sid));
        Assert.That(after, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Is.EqualTo("{\"code\":1,\"message\":\"Session ID unknown\"}"));

        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/test");
        await using var _ = socket;
        Assert.That(answer, Does.StartWith("40/test,"));
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("42/test,[\"my response\",{\"data\":\"Connected\"}]"));
    }
}
