using System.Net;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Connecting to Socket.IO namespaces (v5): the acceptance carries exactly a <c>sid</c>, the auth
/// payload reaches the connection handler, unknown namespaces and bad handshakes are refused, and a
/// connection that never asks for a namespace is closed by the connect timeout.
/// </summary>
public sealed class SocketIoConnectTests : ConformanceFixture
{
    [Test]
    public Task Connecting_to_the_main_namespace_is_answered_with_exactly_a_sid_then_the_empty_auth_is_emitted() =>
        AssertConnectsAsync("40", "40", "42[\"auth\",{}]");

    [Test]
    public Task Connecting_to_the_main_namespace_with_a_payload_hands_the_payload_to_the_handler_as_auth() =>
        AssertConnectsAsync("40{\"token\":\"123\"}", "40", "42[\"auth\",{\"token\":\"123\"}]");

    [Test]
    public Task Connecting_to_a_custom_namespace_is_answered_in_that_namespace() =>
        AssertConnectsAsync("40/custom,", "40/custom,", "42/custom,[\"auth\",{}]");

    [Test]
    public Task Connecting_to_a_custom_namespace_with_a_payload_hands_the_payload_to_its_handler() =>
        AssertConnectsAsync("40/custom,{\"token\":\"abc\"}", "40/custom,", "42/custom,[\"auth\",{\"token\":\"abc\"}]");

    [Test]
    public Task Connecting_to_a_custom_namespace_without_the_comma_is_accepted_too() =>
        AssertConnectsAsync("40/custom", "40/custom,", "42/custom,[\"auth\",{}]");

    [Test]
    public async Task Connecting_to_an_unknown_namespace_is_refused_with_exactly_invalid_namespace()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await using (socket)
        {
            await socket.SendAsync("40/random");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("44/random,{\"message\":\"Invalid namespace\"}"));
            // The refusal leaves the connection usable for a namespace that exists.
            await socket.SendAsync("40");
            Assert.That(await socket.NextTextAsync(), Does.StartWith("40{\"sid\":"));
        }
    }

    [Test]
    public async Task An_invalid_handshake_closes_the_connection()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await using (socket)
        {
            await socket.SendAsync("4abc");
            await socket.ExpectClosedAsync();
        }
    }

    [Test]
    public async Task A_connect_packet_whose_payload_is_not_an_object_closes_the_connection()
    {
        foreach (var packet in (string[])["40\"token\"", "40[1]", "40{\"token\":"])
        {
            var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
            await using (socket)
            {
                await socket.SendAsync(packet);
                await socket.ExpectClosedAsync();
            }
        }
    }

    [Test]
    public async Task A_connection_that_sends_no_handshake_is_closed_by_the_connect_timeout()
    {
        // Pings are answered, so only the 1 s connect timeout can end this connection.
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await using (socket)
        {
            await socket.ExpectClosedAsync();
            Assert.That(socket.PingsAnswered, Is.GreaterThan(0), "the heartbeat went on until the connect timeout");
        }
    }

    [Test]
    public async Task The_socket_id_differs_per_namespace_and_from_the_engine_session_id()
    {
        var (socket, open) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await using (socket)
        {
            await socket.SendAsync("40");
            var main = (string)JsonAfter(await socket.NextTextAsync(), "40")["sid"]!;
            await socket.NextTextAsync(); // auth
            await socket.SendAsync("40/custom,");
            var custom = (string)JsonAfter(await socket.NextTextAsync(), "40/custom,")["sid"]!;
            Assert.That(new[] { main, custom, (string)open["sid"]! }, Is.Unique);
        }
    }

    [Test]
    public async Task Connecting_over_polling_is_answered_the_same_way()
    {
        using var http = Polling(SocketIoPath);
        var sid = await http.OpenAsync();
        var received = await ConnectSocketIoOverPollingAsync(http, sid, "40{\"token\":\"xyz\"}");
        Assert.That(JsonAfter(received[0], "40").Properties().Select(p => p.Name), Is.EqualTo(new[] { "sid" }));
        Assert.That(received[1], Is.EqualTo("42[\"auth\",{\"token\":\"xyz\"}]"));
    }

    /// <summary>
    /// Sends <paramref name="connect"/> and expects the acceptance (<paramref name="acceptedPrefix"/>
    /// followed by an object with exactly a string <c>sid</c>), then <paramref name="authEvent"/>.
    /// </summary>
    private async Task AssertConnectsAsync(string connect, string acceptedPrefix, string authEvent)
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await using (socket)
        {
            await socket.SendAsync(connect);
            var accepted = JsonAfter(await socket.NextTextAsync(), acceptedPrefix);
            Assert.Multiple(() =>
            {
                Assert.That(accepted.Properties().Select(p => p.Name), Is.EqualTo(new[] { "sid" }));
                Assert.That(accepted["sid"]!.Type, Is.EqualTo(JTokenType.String));
                Assert.That((string)accepted["sid"]!, Is.Not.Empty);
            });
            Assert.That(await socket.NextTextAsync(), Is.EqualTo(authEvent));
        }
    }
}
