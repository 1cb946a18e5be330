using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The EIO=4 heartbeat: the server pings every pingInterval (300 ms here) and closes a session
/// whose pong does not come within pingTimeout (200 ms). The tests wait generously: a dead session
/// is checked for only well after its timeout, and in loops with a long limit.
/// </summary>
[TestFixture(EnginePath)]
[TestFixture(SocketIoPath)]
public sealed class EngineHeartbeatTests(string path) : ConformanceFixture
{
    // pingInterval + pingTimeout is 500 ms; a session left alone this long is certainly overdue.
    private static readonly TimeSpan WellPastTheTimeout = TimeSpan.FromMilliseconds(1500);

    [Test]
    public async Task Over_polling_each_ping_is_answered_with_a_pong_and_the_session_lives_on()
    {
        using var http = Polling(path);
        var sid = await http.OpenAsync();
        await ConnectIfSocketIoAsync(http, sid);
        for (var i = 0; i < 3; i++)
        {
            var (pollStatus, pollBody) = await http.GetAsync(http.PollingUrl(sid));
            Assert.That(pollStatus, Is.EqualTo(HttpStatusCode.OK), pollBody);
            Assert.That(pollBody, Is.EqualTo("2"), $"ping {i + 1}");
            var (pongStatus, pongBody) = await http.PostAsync(http.PollingUrl(sid), "3");
            Assert.That(pongStatus, Is.EqualTo(HttpStatusCode.OK), pongBody);
        }
    }

    [Test]
    public async Task Over_polling_a_session_that_does_not_answer_the_ping_is_closed()
    {
        using var http = Polling(path);
        var sid = await http.OpenAsync();
        await Task.Delay(WellPastTheTimeout);
        // Normally the first poll is refused; on a starved machine the timer may not have run yet,
        // so polls that still bring the ping or the close packet are allowed until the refusal.
        var deadline = DateTime.UtcNow + Eventually.Limit;
        while (true)
        {
            var response = await http.GetAsync(http.PollingUrl(sid));
            if (response.Status != HttpStatusCode.OK)
            {
                EnginePolling.AssertEngineError(response, 1, "Session ID unknown");
                return;
            }
            Assert.That(EnginePolling.Records(response.Body), Is.SubsetOf(new[] { "2", "1" }), "only the ping or the close may come");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the session was never closed");
        }
    }

    [Test]
    public async Task Over_websocket_each_ping_is_answered_with_a_pong_and_the_session_lives_on()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(path), answerPings: false);
        await using (socket)
        {
            if (path == SocketIoPath)
            {
                await socket.SendAsync("40");
            }
            for (var i = 0; i < 3; i++)
            {
                var message = await socket.NextAsync();
                if (path == SocketIoPath && message.Text?.StartsWith('4') == true)
                {
                    i--; // the acceptance of the connection and the auth event
                    continue;
                }
                Assert.That(message.Text, Is.EqualTo("2"), $"ping {i + 1}");
                await socket.SendAsync("3");
            }
            Assert.That(socket.Socket.State, Is.EqualTo(System.Net.WebSockets.WebSocketState.Open));
        }
    }

    [Test]
    public async Task Over_websocket_a_session_that_does_not_answer_the_ping_is_closed()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(path), answerPings: false);
        await using (socket)
        {
            var pings = 0;
            while (true)
            {
                var message = await socket.NextAsync();
                if (message.IsClose)
                {
                    break;
                }
                Assert.That(message.Text, Is.EqualTo("2"), "only pings may come before the close");
                pings++;
            }
            Assert.That(pings, Is.EqualTo(1), "the session is closed after its first unanswered ping");
        }
    }

    /// <summary>
    /// On the Socket.IO endpoint a session that joins no namespace is closed after 1 s, which three
    /// heartbeats would outlast; joining the main namespace first keeps the test about the heartbeat.
    /// </summary>
    private async Task ConnectIfSocketIoAsync(EngineHttp http, string sid)
    {
        if (path != SocketIoPath)
        {
            return;
        }
        var received = await ConnectSocketIoOverPollingAsync(http, sid);
        Assert.That(received[1], Is.EqualTo("42[\"auth\",{}]"));
    }
}
