using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Socket.IO events and acknowledgements (v5), with and without binary attachments, and packets
/// whose format is invalid, which close the connection.
/// </summary>
public sealed class SocketIoMessageTests : ConformanceFixture
{
    private const string TwoPlaceholders = "{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}";

    [Test]
    public async Task A_plain_text_event_is_answered_with_the_same_arguments()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("42[\"message\",1,\"2\",{\"3\":[true]}]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"message-back\",1,\"2\",{\"3\":[true]}]"));
    }

    [Test]
    public async Task Non_ASCII_strings_in_an_event_arrive_unchanged()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("42[\"message\",\"héllo wörld €𝄞\"]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"message-back\",\"héllo wörld €𝄞\"]"));
    }

    [Test]
    public async Task An_event_with_binary_attachments_is_answered_with_the_same_attachments()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync($"452-[\"message\",{TwoPlaceholders}]");
        await socket.SendAsync([1, 2, 3]);
        await socket.SendAsync([4, 5, 6]);
        Assert.That(await socket.NextTextAsync(), Is.EqualTo($"452-[\"message-back\",{TwoPlaceholders}]"));
        await AssertBinaryAsync(socket, [1, 2, 3]);
        await AssertBinaryAsync(socket, [4, 5, 6]);
    }

    [Test]
    public async Task An_event_with_an_ack_id_is_acknowledged_with_the_same_id_and_arguments()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("43456[1,\"2\",{\"3\":[false]}]"));
    }

    [Test]
    public async Task An_event_with_binary_attachments_and_an_ack_id_gets_a_binary_ack()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync($"452-789[\"message-with-ack\",{TwoPlaceholders}]");
        await socket.SendAsync([1, 2, 3]);
        await socket.SendAsync([4, 5, 6]);
        Assert.That(await socket.NextTextAsync(), Is.EqualTo($"462-789[{TwoPlaceholders}]"));
        await AssertBinaryAsync(socket, [1, 2, 3]);
        await AssertBinaryAsync(socket, [4, 5, 6]);
    }

    [Test]
    public async Task An_ack_in_a_custom_namespace_carries_the_namespace()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("40/test,");
        Assert.That(await socket.NextTextAsync(), Does.StartWith("40/test,{\"sid\":"));
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42/test,[\"my response\",{\"data\":\"Connected\"}]"));
        await socket.SendAsync("42/test,7[\"echo-ack\",\"x\",2]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("43/test,7[\"x\",2]"));
    }

    [Test]
    public async Task An_event_with_a_binary_attachment_over_polling_travels_as_base64_records()
    {
        using var http = Polling(SocketIoPath);
        var sid = await http.OpenAsync();
        Assert.That((await ConnectSocketIoOverPollingAsync(http, sid))[1], Is.EqualTo("42[\"auth\",{}]"));
        var payload = EnginePolling.Payload("451-[\"message\",{\"_placeholder\":true,\"num\":0}]", "bAQID");
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), payload);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        var echoed = new List<string>(await http.PollSkippingPingsAsync(sid));
        if (echoed.Count == 1)
        {
            echoed.AddRange(await http.PollSkippingPingsAsync(sid)); // the attachment came a moment later
        }
        Assert.That(echoed, Is.EqualTo(new[] { "451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]", "bAQID" }));
    }

    [Test]
    public Task An_unknown_packet_type_closes_the_connection() =>
        AssertClosesConnectionAsync("4abc");

    [Test]
    public Task An_event_whose_payload_is_not_an_array_closes_the_connection() =>
        AssertClosesConnectionAsync("42{}");

    [Test]
    public Task An_event_with_an_invalid_ack_id_closes_the_connection() =>
        AssertClosesConnectionAsync("42abc[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");

    [Test]
    public Task An_event_with_an_empty_array_closes_the_connection() =>
        AssertClosesConnectionAsync("42[]");

    [Test]
    public Task An_event_without_a_payload_closes_the_connection() =>
        AssertClosesConnectionAsync("42");

    private async Task AssertClosesConnectionAsync(string packet)
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync(packet);
        await socket.ExpectClosedAsync();
    }

    private static async Task AssertBinaryAsync(EngineWebSocket socket, byte[] expected)
    {
        var message = await socket.NextSkippingPingsAsync();
        Assert.That(message.Binary, Is.EqualTo(expected), message.ToString());
    }
}
