using System.Net;
using System.Net.WebSockets;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Input no well-behaved client sends, beyond the official suites: oversized messages, broken
/// encodings, binary attachments that do not add up, packets a client must not send, unknown
/// sessions. Each test checks how the offending connection is treated, then that the server still
/// serves fresh clients normally: the process did not crash and other clients are unaffected.
/// </summary>
public sealed class MalformedInputTests : ConformanceFixture
{
    private const int MaxPayload = 1_000_000;

    [TearDown]
    public async Task TheServerStillServesFreshClientsAsync()
    {
        var (engine, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (engine)
        {
            await engine.SendAsync("4still alive");
            Assert.That(await engine.NextTextAsync(), Is.EqualTo("4still alive"));
        }

        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        Assert.That((await http.PostAsync(http.PollingUrl(sid), "4still polling")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await http.PollSkippingPingsAsync(sid), Is.EqualTo(new[] { "4still polling" }));

        await using var io = await ConnectSocketIoAsync();
        await io.SendAsync("42[\"message\",\"still alive\"]");
        Assert.That(await io.NextTextAsync(), Is.EqualTo("42[\"message-back\",\"still alive\"]"));
    }

    // ---- Engine.IO: sizes ----

    [Test]
    public async Task A_websocket_message_larger_than_maxPayload_closes_the_connection_as_too_big()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            await socket.SendAsync("4" + new string('a', MaxPayload));
            await socket.ExpectClosedAsync();
            Assert.That(socket.Socket.CloseStatus, Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
        }
    }

    [Test]
    public async Task A_websocket_message_of_exactly_maxPayload_bytes_is_accepted()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            var message = "4" + new string('a', MaxPayload - 1);
            await socket.SendAsync(message);
            Assert.That(await socket.NextTextAsync(), Is.EqualTo(message));
        }
    }

    [Test]
    public async Task A_polling_POST_larger_than_maxPayload_is_refused_as_too_large()
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), "4" + new string('a', MaxPayload));
        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task A_polling_POST_of_exactly_maxPayload_bytes_is_accepted()
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var message = "4" + new string('a', MaxPayload - 1);
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), message);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(await http.PollSkippingPingsAsync(sid), Is.EqualTo(new[] { message }));
    }

    // ---- Engine.IO: encodings and packets ----

    // In these cases '|' stands for the record separator: test runners drop test cases whose
    // names hold control characters.
    [TestCase("b!!not base64!!")]
    [TestCase("bAQIDBA")]
    [TestCase("4hello|b@@@@")]
    public async Task A_polling_binary_record_with_broken_base64_is_refused_and_closes_the_session(string payload)
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), payload.Replace('|', EnginePolling.Separator));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
    }

    [TestCase("")]
    [TestCase("4a||4b")]
    [TestCase("7")]
    [TestCase("|")]
    public async Task A_polling_payload_with_an_empty_or_unknown_packet_is_refused_and_closes_the_session(string payload)
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), payload.Replace('|', EnginePolling.Separator));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
    }

    [Test]
    public async Task A_polling_POST_with_an_octet_stream_content_type_is_refused_and_closes_the_session()
    {
        using var http = Polling(EnginePath);
        var sid = await http.OpenAsync();
        var (status, _) = await http.PostAsync(http.PollingUrl(sid), "4hello", "application/octet-stream");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        EnginePolling.AssertEngineError(await http.GetAsync(http.PollingUrl(sid)), 1, "Session ID unknown");
    }

    [TestCase("2", Description = "a ping from the client: the heartbeat goes the other way in EIO=4")]
    [TestCase("0", Description = "an open packet from the client")]
    [TestCase("7")]
    [TestCase("")]
    public async Task A_websocket_packet_a_client_must_not_send_closes_the_connection(string packet)
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            await socket.SendAsync(packet);
            await socket.ExpectClosedAsync();
        }
    }

    [Test]
    public async Task A_websocket_text_frame_with_invalid_UTF8_closes_the_connection()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(EnginePath));
        await using (socket)
        {
            byte[] invalid = [(byte)'4', 0xC3, 0x28, 0xFF];
            using var limit = new CancellationTokenSource(Eventually.Limit);
            await socket.Socket.SendAsync(invalid, WebSocketMessageType.Text, true, limit.Token);
            await socket.ExpectClosedAsync();
        }
    }

    [Test]
    public async Task Requests_with_an_unknown_sid_are_refused_as_session_id_unknown()
    {
        using var http = Polling(EnginePath);
        var url = http.PollingUrl("AAAAAAAAAAAAAAAAAAAA");
        EnginePolling.AssertEngineError(await http.GetAsync(url), 1, "Session ID unknown");
        EnginePolling.AssertEngineError(await http.PostAsync(url, "4hello"), 1, "Session ID unknown");

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var limit = new CancellationTokenSource(Eventually.Limit);
        await Assert.ThatAsync(
            () => socket.ConnectAsync(new Uri(WebSocketUrl(EnginePath, "AAAAAAAAAAAAAAAAAAAA")), limit.Token),
            Throws.InstanceOf<WebSocketException>());
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    // ---- Socket.IO: binary attachments ----

    [Test]
    public async Task A_binary_attachment_without_a_pending_binary_packet_closes_the_connection()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync([1, 2, 3]);
        await socket.ExpectClosedAsync();
    }

    [Test]
    public async Task Attachments_beyond_the_placeholders_are_ignored_as_by_the_reference_server()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("452-[\"message\",{\"_placeholder\":true,\"num\":0}]");
        await socket.SendAsync([1, 2, 3]);
        await socket.SendAsync([4, 5, 6]);
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]"));
        var attachment = await socket.NextSkippingPingsAsync();
        Assert.That(attachment.Binary, Is.EqualTo(new byte[] { 1, 2, 3 }), attachment.ToString());
    }

    [TestCase("{\"_placeholder\":true,\"num\":1}", Description = "only one attachment follows")]
    [TestCase("{\"_placeholder\":true,\"num\":-1}")]
    [TestCase("{\"_placeholder\":true,\"num\":\"0\"}")]
    [TestCase("{\"_placeholder\":true}")]
    public async Task A_placeholder_that_names_no_attachment_closes_the_connection(string placeholder)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync($"451-[\"message\",{placeholder}]");
        await socket.SendAsync([1, 2, 3]);
        await socket.ExpectClosedAsync();
    }

    [Test]
    public async Task A_text_packet_while_attachments_are_awaited_closes_the_connection()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        await socket.SendAsync([1, 2, 3]);
        await socket.SendAsync("42[\"message\",\"interloper\"]");
        await socket.ExpectClosedAsync();
    }

    [TestCase("451000000-[\"message\"]", Description = "far more attachments than any client sends")]
    [TestCase("45x-[\"message\"]")]
    [TestCase("451[\"message\"]", Description = "no dash after the count")]
    public async Task A_binary_packet_with_an_unusable_attachment_count_closes_the_connection(string packet)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync(packet);
        await socket.ExpectClosedAsync();
    }

    // ---- Socket.IO: packets a client must not send ----

    [TestCase("42[{\"a\":1}]")]
    [TestCase("42[[\"message\"]]")]
    [TestCase("42[null,\"x\"]")]
    [TestCase("42[true]")]
    public async Task An_event_whose_first_element_is_not_a_name_closes_the_connection(string packet)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync(packet);
        await socket.ExpectClosedAsync();
    }

    [TestCase("disconnect")]
    [TestCase("connect")]
    [TestCase("connect_error")]
    [TestCase("disconnecting")]
    [TestCase("newListener")]
    [TestCase("removeListener")]
    public async Task An_event_with_a_reserved_name_closes_the_connection(string name)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync($"42[\"{name}\",\"x\"]");
        await socket.ExpectClosedAsync();
    }

    [TestCase("44{\"message\":\"from a client\"}")]
    [TestCase("44\"from a client\"")]
    [TestCase("44/custom,{\"message\":\"from a client\"}")]
    public async Task A_connect_error_sent_by_a_client_closes_the_connection(string packet)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync(packet);
        await socket.ExpectClosedAsync();
    }

    [TestCase("42/custom,[\"message\",\"x\"]")]
    [TestCase("43/custom,1[]")]
    [TestCase("41/custom,")]
    [TestCase("42/nowhere,[\"message\",\"x\"]")]
    public async Task A_packet_for_a_namespace_the_client_has_not_joined_closes_the_connection(string packet)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync(packet);
        await socket.ExpectClosedAsync();
    }

    [Test]
    public async Task An_event_for_the_main_namespace_when_only_a_custom_one_was_joined_closes_the_connection()
    {
        // Joining /custom first stops the connect timeout, so only the stray event can close this.
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await using (socket)
        {
            await socket.SendAsync("40/custom,");
            Assert.That(await socket.NextTextAsync(), Does.StartWith("40/custom,{\"sid\":"));
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("42/custom,[\"auth\",{}]"));
            await socket.SendAsync("42[\"message\",\"to the main namespace, never joined\"]");
            await socket.ExpectClosedAsync();
        }
    }

    [Test]
    public async Task An_event_for_a_namespace_the_client_has_left_closes_the_connection()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("40/custom,");
        Assert.That(await socket.NextTextAsync(), Does.StartWith("40/custom,{\"sid\":"));
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42/custom,[\"auth\",{}]"));
        await socket.SendAsync("41/custom,");
        await socket.SendAsync("42/custom,[\"message\",\"after leaving\"]");
        await socket.ExpectClosedAsync();
    }

    [TestCase("42[\"message\",")]
    [TestCase("42[\"message\"]]")]
    [TestCase("42[\"message\"] trailing")]
    public async Task An_event_with_broken_JSON_closes_the_connection(string packet)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync(packet);
        await socket.ExpectClosedAsync();
    }

    [Test]
    public async Task Deeply_nested_JSON_is_either_answered_or_closes_the_connection()
    {
        await using var socket = await ConnectSocketIoAsync();
        const int depth = 10_000;
        await socket.SendAsync("42[\"message\"," + new string('[', depth) + new string(']', depth) + "]");
        var answer = await socket.NextSkippingPingsAsync();
        Assert.That(answer.IsClose || answer.Text?.StartsWith("42[\"message-back\",", StringComparison.Ordinal) == true, answer.ToString());
    }
}
