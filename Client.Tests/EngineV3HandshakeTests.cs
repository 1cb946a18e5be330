using System.Net;
using System.Net.WebSockets;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Engine.IO v3 handshakes against the conformance profile, as the official v3 suite checks them
/// (pingInterval 300, pingTimeout 200, maxPayload 1000000), plus the requests it must refuse.
/// </summary>
public sealed class EngineV3HandshakeTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("conformance");

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private static void AssertOpenPacket(string packet, string upgrades)
    {
        Assert.That(packet, Does.StartWith("0{"));
        var open = JObject.Parse(packet[1..]);
        Assert.That(open.Properties().Select(p => p.Name), Is.EquivalentTo(new[] { "sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload" }));
        Assert.That(open["sid"]!.Type, Is.EqualTo(JTokenType.String));
        Assert.That(open["upgrades"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo(upgrades));
        Assert.That((int)open["pingInterval"]!, Is.EqualTo(300));
        Assert.That((int)open["pingTimeout"]!, Is.EqualTo(200));
        Assert.That((int)open["maxPayload"]!, Is.EqualTo(1_000_000));
    }

    [TestCase("&b64=1")]
    [TestCase("")]
    public async Task A_polling_handshake_answers_one_length_prefixed_open_packet_offering_websocket(string query)
    {
        using var http = new V3Polling(_server.Url, query: query);
        var answer = await http.GetAsync();
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        // Without binary packets even an XHR2 client (no b64) gets the text form.
        Assert.That(answer.ContentType, Is.EqualTo("text/plain; charset=UTF-8"));
        var text = answer.Text;
        var colon = text.IndexOf(':');
        var packet = text[(colon + 1)..];
        Assert.That(text[..colon], Is.EqualTo(packet.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the whole answer is one record");
        AssertOpenPacket(packet, "[\"websocket\"]");
    }

    [Test]
    public async Task A_websocket_handshake_sends_the_open_packet_as_a_frame_offering_no_upgrades()
    {
        await using var socket = await RawWebSocket.ConnectAsync(_server.WsUrl + "/engine.io/?EIO=3&transport=websocket");
        var open = await socket.ReceiveAsync();
        Assert.That(open.Text, Is.Not.Null, open.ToString());
        AssertOpenPacket(open.Text!, "[]");
    }

    [TestCase("")]
    [TestCase("&transport=abc")]
    public async Task A_polling_request_without_a_known_transport_is_refused_with_code_0(string transport)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{_server.Url}/engine.io/?EIO=3{transport}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{\"code\":0,\"message\":\"Transport unknown\"}"));
    }

    [Test]
    public async Task A_handshake_by_POST_is_refused_with_code_2()
    {
        using var http = new V3Polling(_server.Url);
        using var client = new HttpClient();
        using var response = await client.PostAsync(http.Url(), new StringContent(""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{\"code\":2,\"message\":\"Bad handshake method\"}"));
    }

    [TestCase("/engine.io/?transport=websocket")]
    [TestCase("/engine.io/?EIO=abc&transport=websocket")]
    [TestCase("/engine.io/?EIO=3")]
    [TestCase("/engine.io/?EIO=3&transport=abc")]
    public async Task A_websocket_handshake_with_a_bad_EIO_or_transport_is_refused(string pathAndQuery)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var limit = new CancellationTokenSource(Eventually.Limit);
        Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(_server.WsUrl + pathAndQuery), limit.Token));
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
