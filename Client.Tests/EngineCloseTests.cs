using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>The client ends a session with a close packet (<c>1</c>), over polling and over WebSocket.</summary>
[TestFixture(EnginePath)]
[TestFixture(SocketIoPath)]
public sealed class EngineCloseTests(string path) : ConformanceFixture
{
    // Long enough for a request to reach the server, well short of the first ping (300 ms).
    private static readonly TimeSpan PendingDelay = TimeSpan.FromMilliseconds(100);

    [Test]
    public Task A_close_packet_over_polling_answers_the_pending_poll_with_a_noop_and_ends_the_session() =>
        Attempts.UntilConclusiveAsync(async () =>
        {
            using var http = Polling(path);
            var sid = await http.OpenAsync();
            var pendingPoll = http.GetAsync(http.PollingUrl(sid));
            await Task.Delay(PendingDelay);
            if (pendingPoll.IsCompleted)
            {
                return false; // the first ping answered it: no poll was pending
            }
            var (postStatus, postBody) = await http.PostAsync(http.PollingUrl(sid), "1");
            var poll = await pendingPoll.Within();
            if (EnginePolling.Records(poll.Body).Contains("2") || poll.Status == HttpStatusCode.BadRequest)
            {
                return false; // a ping came first, or the poll reached the server after the close
            }
            Assert.Multiple(() =>
            {
                Assert.That(postStatus, Is.EqualTo(HttpStatusCode.OK), postBody);
                Assert.That(poll.Status, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(poll.Body, Is.EqualTo("6"), "the pending poll ends with a noop");
            });
            EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
            return true;
        });

    [Test]
    public async Task A_close_packet_over_polling_with_no_poll_pending_ends_the_session()
    {
        using var http = Polling(path);
        var sid = await http.OpenAsync();
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), "1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
        EnginePolling.AssertEngineError(await http.PostAsync(http.PollingUrl(sid), "4hello"), 1, "Session ID unknown");
    }

    [Test]
    public async Task A_close_packet_over_websocket_closes_the_socket_and_ends_the_session()
    {
        var (socket, open) = await EngineWebSocket.OpenAsync(WebSocketUrl(path));
        await using (socket)
        {
            await socket.SendAsync("1");
            await socket.ExpectClosedAsync();
        }
        // Were the session still alive, this would be a transport mismatch (code 3), not an unknown sid.
        using var http = Polling(path);
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl((string)open["sid"]!)), 1, "Session ID unknown");
    }

    [Test]
    public async Task A_websocket_close_frame_from_the_client_ends_the_session()
    {
        var (socket, open) = await EngineWebSocket.OpenAsync(WebSocketUrl(path));
        await using (socket)
        {
            using var limit = new CancellationTokenSource(Eventually.Limit);
            await socket.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, limit.Token);
            await socket.ExpectClosedAsync();
        }
        using var http = Polling(path);
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl((string)open["sid"]!)), 1, "Session ID unknown");
    }
}
