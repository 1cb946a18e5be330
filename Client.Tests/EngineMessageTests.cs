using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Messages through the raw Engine.IO echo endpoint: polling payloads (record separators, binary
/// as <c>b</c> + base64), polling misuse that ends the session, and WebSocket frames.
/// </summary>
public sealed class EngineMessageTests : ConformanceFixture
{
    // Long enough for a request to reach the server, well short of the first ping (300 ms).
    private static readonly TimeSpan PendingDelay = TimeSpan.FromMilliseconds(100);

    [Test]
    public Task A_polling_payload_with_one_text_packet_is_echoed() =>
        AssertPollingEchoAsync("4hello");

    [Test]
    public Task A_polling_payload_with_several_text_packets_is_echoed_with_record_separators() =>
        AssertPollingEchoAsync("4test1", "4test2", "4test3");

    [Test]
    public Task A_polling_payload_with_text_and_binary_packets_is_echoed_with_binary_as_base64() =>
        AssertPollingEchoAsync("4hello", "bAQIDBA==");

    [Test]
    public Task Non_ASCII_text_and_every_byte_value_survive_a_polling_round_trip() =>
        AssertPollingEchoAsync("4héllo wörld €𝄞", "b" + Convert.ToBase64String(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()));

    [Test]
    public async Task An_invalid_packet_in_a_POST_is_refused_and_closes_the_session()
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), "abc");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
    }

    [Test]
    public Task A_second_poll_while_one_is_pending_closes_the_session() =>
        Attempts.UntilConclusiveAsync(async () =>
        {
            using var http = Polling(EnginePath);
            var sid = await http.OpenAsync();
            var firstPoll = http.GetAsync(http.PollingUrl(sid));
            await Task.Delay(PendingDelay);
            if (firstPoll.IsCompleted)
            {
                return false; // the first ping answered it: no poll was pending
            }
            var second = await http.GetAsync(http.PollingUrl(sid) + "&t=burst");
            var first = await firstPoll.Within();
            if (EnginePolling.Records(first.Body).Contains("2") || (first.Status == HttpStatusCode.BadRequest && second.Body == "1"))
            {
                return false; // a ping came first, or the requests reached the server the other way round
            }
            Assert.Multiple(() =>
            {
                Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(first.Body, Is.EqualTo("1"), "the pending poll is answered with a close packet");
                // The Node server answers 500 here; the suite accepts 400 as more suitable.
                Assert.That(second.Status, Is.EqualTo(HttpStatusCode.BadRequest));
            });
            EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
            return true;
        });

    [Test]
    public Task A_poll_aborted_by_the_client_closes_the_session() =>
        Attempts.UntilConclusiveAsync(async () =>
        {
            using var http = Polling(EnginePath);
            var sid = await http.OpenAsync();
            using var abort = new CancellationTokenSource();
            var poll = http.GetAsync(http.PollingUrl(sid), abort.Token);
            await Task.Delay(PendingDelay);
            if (poll.IsCompleted)
            {
                return false; // the first ping answered it before the abort
            }
            await abort.CancelAsync();
            if (!await IsAbortedAsync(poll))
            {
                return false; // answered (by a ping) just before the abort took effect
            }
            // Refused either as an unknown session or, if the server has not seen the abort yet,
            // as an overlapping poll that closes the session as well.
            var (status, body) = await http.GetAsync(http.PollingUrl(sid));
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body);
            EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
            return true;
        });

    [Test]
    public async Task A_websocket_text_packet_is_echoed()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            await socket.SendAsync("4hello");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("4hello"));
            await socket.SendAsync("4héllo wörld €𝄞");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("4héllo wörld €𝄞"));
        }
    }

    [Test]
    public async Task A_websocket_binary_packet_is_echoed_as_a_binary_frame()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            await socket.SendAsync([1, 2, 3, 4]);
            var echo = await socket.NextSkippingPingsAsync();
            Assert.That(echo.Binary, Is.EqualTo(new byte[] { 1, 2, 3, 4 }), echo.ToString());
        }
    }

    [Test]
    public async Task Websocket_messages_are_echoed_in_order()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            for (var i = 0; i < 20; i++)
            {
                await socket.SendAsync($"4m{i}");
            }
            for (var i = 0; i < 20; i++)
            {
                Assert.That(await socket.NextTextAsync(), Is.EqualTo($"4m{i}"));
            }
        }
    }

    [Test]
    public async Task An_invalid_websocket_packet_closes_the_connection()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            await socket.SendAsync("abc");
            await socket.ExpectClosedAsync();
        }
    }

    private static async Task<bool> IsAbortedAsync(Task poll)
    {
        try
        {
            await poll.Within();
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>POSTs <paramref name="packets"/> as one payload and expects the same payload back.</summary>
    private async Task AssertPollingEchoAsync(params string[] packets)
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var payload = EnginePolling.Payload(packets);
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), payload);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Is.EqualTo("ok"));
        var echoed = await http.PollSkippingPingsAsync(sid);
        Assert.That(EnginePolling.Payload(echoed), Is.EqualTo(payload));
    }
}
