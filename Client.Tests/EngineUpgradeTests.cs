using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Upgrading a polling session to WebSocket: <c>2probe</c> / <c>3probe</c>, the noop that ends the
/// poll, the <c>5</c> that completes the upgrade, and what the session refuses afterwards.
/// </summary>
[TestFixture(EnginePath)]
[TestFixture(SocketIoPath)]
public sealed class EngineUpgradeTests(string path) : ConformanceFixture
{
    // Long enough for a request to reach the server, well short of the first ping (300 ms).
    private static readonly TimeSpan PendingDelay = TimeSpan.FromMilliseconds(100);

    [Test]
    public async Task A_probe_is_answered_then_polls_get_a_noop_and_the_upgrade_packet_moves_the_session_to_the_websocket()
    {
        using var http = Polling(path);
        var sid = await http.OpenAsync();
        await using var socket = await EngineWebSocket.ConnectAsync(WebSocketUrl(path, sid));
        await socket.SendAsync("2probe");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("3probe"));
        var poll = await http.GetAsync(http.PollingUrl(sid));
        Assert.That(poll, Is.EqualTo((HttpStatusCode.OK, "6")), "the noop that ends polling");
        await socket.SendAsync("5");
        await AssertMessagesFlowAsync(socket, round: 0);
        await AssertMessagesFlowAsync(socket, round: 1);
    }

    [Test]
    public Task A_poll_pending_when_the_probe_arrives_is_answered_with_a_noop() =>
        Attempts.UntilConclusiveAsync(async () =>
        {
            using var http = Polling(path);
            var sid = await http.OpenAsync();
            var pendingPoll = http.GetAsync(http.PollingUrl(sid));
            await using var socket = await EngineWebSocket.ConnectAsync(WebSocketUrl(path, sid));
            await Task.Delay(PendingDelay);
            if (pendingPoll.IsCompleted)
            {
                return false; // the first ping answered it: no poll was pending
            }
            await socket.SendAsync("2probe");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("3probe"));
            var poll = await pendingPoll.Within();
            if (EnginePolling.Records(poll.Body).Contains("2"))
            {
                return false; // the ping was quicker than the probe
            }
            Assert.That(poll, Is.EqualTo((HttpStatusCode.OK, "6")));
            await socket.SendAsync("5");
            await AssertMessagesFlowAsync(socket, round: 0);
            return true;
        });

    [Test]
    public async Task After_the_upgrade_polling_requests_with_the_same_sid_are_refused()
    {
        var (http, sid, socket) = await UpgradeAsync();
        using (http)
        await using (socket)
        {
            EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 3, "Bad request");
            EnginePolling.AssertEngineError(await http.PostAsync(http.PollingUrl(sid), "4hello"), 3, "Bad request");
            await AssertMessagesFlowAsync(socket, round: 1);
        }
    }

    [Test]
    public async Task After_the_upgrade_a_second_websocket_with_the_same_sid_is_closed()
    {
        var (http, sid, socket) = await UpgradeAsync();
        using (http)
        await using (socket)
        {
            await using (var second = await EngineWebSocket.ConnectAsync(WebSocketUrl(path, sid)))
            {
                await second.ExpectClosedAsync();
            }
            await AssertMessagesFlowAsync(socket, round: 1);
        }
    }

    [Test]
    public async Task Packets_queued_for_the_poll_during_the_upgrade_are_delivered_over_the_websocket()
    {
        using var http = Polling(path);
        var sid = await http.OpenAsync();
        await using var socket = await EngineWebSocket.ConnectAsync(WebSocketUrl(path, sid));
        await socket.SendAsync("2probe");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("3probe"));
        // Sent over polling during the upgrade; the answers are queued and nobody polls for them.
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), path == EnginePath ? "4queued" : "40");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        await socket.SendAsync("5");
        if (path == EnginePath)
        {
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("4queued"));
        }
        else
        {
            Assert.That(await socket.NextTextAsync(), Does.StartWith("40{\"sid\":"));
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"auth\",{}]"));
        }
    }

    [Test]
    public async Task A_websocket_that_skips_the_probe_is_dropped_and_the_session_keeps_polling()
    {
        using var http = Polling(path);
        var sid = await http.OpenAsync();
        await using (var socket = await EngineWebSocket.ConnectAsync(WebSocketUrl(path, sid)))
        {
            await socket.SendAsync("5");
            await socket.ExpectClosedAsync();
        }
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), path == EnginePath ? "4still-polling" : "40");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        var received = await http.PollSkippingPingsAsync(sid);
        Assert.That(received[0], path == EnginePath ? Is.EqualTo("4still-polling") : Does.StartWith("40{\"sid\":"));
    }

    /// <summary>Opens a polling session and upgrades it, checking that the WebSocket carries messages.</summary>
    private async Task<(EngineHttp Http, string Sid, EngineWebSocket Socket)> UpgradeAsync()
    {
        var http = Polling(path);
        var sid = await http.OpenAsync();
        var socket = await EngineWebSocket.ConnectAsync(WebSocketUrl(path, sid));
        await socket.SendAsync("2probe");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("3probe"));
        await socket.SendAsync("5");
        // The answer comes over the WebSocket only once the server has taken the upgrade packet.
        await AssertMessagesFlowAsync(socket, round: 0);
        return (http, sid, socket);
    }

    /// <summary>
    /// A message and its answer over the upgraded socket: an echo on the Engine.IO endpoint; on the
    /// Socket.IO endpoint the connection to the main namespace (round 0), then an event (later rounds).
    /// </summary>
    private async Task AssertMessagesFlowAsync(EngineWebSocket socket, int round)
    {
        if (path == EnginePath)
        {
            await socket.SendAsync($"4hello{round}");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo($"4hello{round}"));
        }
        else if (round == 0)
        {
            await socket.SendAsync("40");
            Assert.That(await socket.NextTextAsync(), Does.StartWith("40{\"sid\":"));
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"auth\",{}]"));
        }
        else
        {
            await socket.SendAsync($"42[\"message\",\"hello{round}\"]");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo($"42[\"message-back\",\"hello{round}\"]"));
        }
    }
}
