using System.Net;
using System.Net.WebSockets;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Opening an Engine.IO session, over polling and over WebSocket, and the refusals of bad
/// handshakes. Run against the raw Engine.IO endpoint (the Engine.IO suite) and against the
/// Socket.IO endpoint (the Engine.IO part of the Socket.IO suite).
/// </summary>
[TestFixture(EnginePath)]
[TestFixture(SocketIoPath)]
public sealed class EngineHandshakeTests(string path) : ConformanceFixture
{
    private static readonly string[] OpenPacketKeys = ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"];

    [Test]
    public async Task A_polling_handshake_opens_a_session_with_exactly_the_five_open_packet_keys()
    {
        using var http = Polling(path);
        var (status, body) = await http.GetAsync(http.PollingUrl());
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        var open = JsonAfter(body, "0");
        AssertOpenPacket(open, upgrades: ["websocket"]);
    }

    [Test]
    public async Task A_polling_handshake_without_a_valid_EIO_is_refused_as_an_unsupported_protocol_version()
    {
        using var http = Polling(path);
        foreach (var query in (string[])["transport=polling", "EIO=abc&transport=polling", "EIO=&transport=polling", "EIO=5&transport=polling"])
        {
            var response = await http.GetAsync($"{Server.Url}{path}?{query}");
            EnginePolling.AssertEngineError(response, 5, "Unsupported protocol version");
        }
    }

    [Test]
    public async Task A_polling_handshake_with_a_missing_or_unknown_transport_is_refused_as_transport_unknown()
    {
        using var http = Polling(path);
        foreach (var query in (string[])["EIO=4", "EIO=4&transport=abc", "EIO=4&transport="])
        {
            var response = await http.GetAsync($"{Server.Url}{path}?{query}");
            EnginePolling.AssertEngineError(response, 0, "Transport unknown");
        }
    }

    [Test]
    public async Task A_handshake_that_is_not_a_GET_is_refused_as_a_bad_handshake_method()
    {
        using var http = new HttpClient { Timeout = Eventually.Limit };
        foreach (var method in (HttpMethod[])[HttpMethod.Post, HttpMethod.Put])
        {
            using var request = new HttpRequestMessage(method, $"{Server.Url}{path}?EIO=4&transport=polling")
            {
                Content = new StringContent(""),
            };
            using var response = await http.SendAsync(request);
            EnginePolling.AssertEngineError((response.StatusCode, await response.Content.ReadAsStringAsync()), 2, "Bad handshake method");
        }
    }

    [Test]
    public async Task A_plain_GET_asking_for_the_websocket_transport_is_refused_as_a_bad_request()
    {
        using var http = Polling(path);
        var response = await http.GetAsync($"{Server.Url}{path}?EIO=4&transport=websocket");
        EnginePolling.AssertEngineError(response, 3, "Bad request");
    }

    [Test]
    public async Task Every_handshake_gets_its_own_session_id()
    {
        using var http = Polling(path);
        var first = await http.OpenAsync();
        var second = await http.OpenAsync();
        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public async Task A_websocket_handshake_opens_a_session_with_no_upgrades()
    {
        var (socket, open) = await EngineWebSocket.OpenAsync(WebSocketUrl(path));
        await using (socket)
        {
            AssertOpenPacket(open, upgrades: []);
        }
    }

    [Test]
    public async Task A_websocket_handshake_without_a_valid_EIO_fails_to_connect()
    {
        await AssertWebSocketRefusedAsync($"{Server.WsUrl}{path}?transport=websocket");
        await AssertWebSocketRefusedAsync($"{Server.WsUrl}{path}?EIO=abc&transport=websocket");
    }

    [Test]
    public async Task A_websocket_handshake_with_a_missing_or_unknown_transport_fails_to_connect()
    {
        await AssertWebSocketRefusedAsync($"{Server.WsUrl}{path}?EIO=4");
        await AssertWebSocketRefusedAsync($"{Server.WsUrl}{path}?EIO=4&transport=abc");
    }

    private static void AssertOpenPacket(JObject open, string[] upgrades)
    {
        Assert.Multiple(() =>
        {
            Assert.That(open.Properties().Select(p => p.Name), Is.EquivalentTo(OpenPacketKeys));
            Assert.That(open["sid"]!.Type, Is.EqualTo(JTokenType.String));
            Assert.That((string)open["sid"]!, Is.Not.Empty);
            Assert.That(open["upgrades"]!.ToObject<string[]>(), Is.EqualTo(upgrades));
            Assert.That(open["pingInterval"]!.Type, Is.EqualTo(JTokenType.Integer));
            Assert.That((int)open["pingInterval"]!, Is.EqualTo(300));
            Assert.That((int)open["pingTimeout"]!, Is.EqualTo(200));
            Assert.That((int)open["maxPayload"]!, Is.EqualTo(1_000_000));
        });
    }

    /// <summary>The server answers the upgrade request with 400 instead of switching protocols.</summary>
    private static async Task AssertWebSocketRefusedAsync(string url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var limit = new CancellationTokenSource(Eventually.Limit);
        await Assert.ThatAsync(() => socket.ConnectAsync(new Uri(url), limit.Token), Throws.InstanceOf<WebSocketException>(), url);
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest), url);
    }
}
