using System.Net;
using System.Net.Http.Headers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// A handshake naming no supported Engine.IO revision (only 3 and 4 are) is refused with code 5 on
/// both transports, and the server log says what the client sent, so an operator can tell which
/// client is knocking.
/// </summary>
public sealed class UnsupportedVersionTests
{
    private const string Refusal = "{\"code\":5,\"message\":\"Unsupported protocol version\"}";

    private readonly CapturedLogs _logs = new();
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() =>
        _server = await TestServer.StartLibraryAsync(
            builder =>
            {
                _logs.AttachTo(builder);
                builder.Services.AddSocketIo();
            },
            app => app.MapSocketIo());

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _server.DisposeAsync();
        _logs.Dispose();
    }

    [TestCase("")]
    [TestCase("&EIO=2")]
    [TestCase("&EIO=5")]
    [TestCase("&EIO=abc")]
    public async Task A_polling_handshake_with_an_unsupported_EIO_is_refused_with_code_5(string eio)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{_server.Url}/socket.io/?transport=polling{eio}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(Refusal));
    }

    [TestCase("")]
    [TestCase("&EIO=2")]
    [TestCase("&EIO=5")]
    [TestCase("&EIO=abc")]
    public async Task A_websocket_handshake_with_an_unsupported_EIO_is_refused_with_code_5_instead_of_upgraded(string eio)
    {
        // A WebSocket upgrade request sent by hand, so the refusal's status and body can be read.
        using var http = new HttpClient();
        using var response = await HandshakeAsync(http, $"{_server.Url}/socket.io/?transport=websocket{eio}", "websocket");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(Refusal));
    }

    [TestCase("&EIO=2")]
    [TestCase("&EIO=5")]
    [TestCase("&EIO=abc")]
    public async Task A_real_websocket_client_sees_the_upgrade_refused(string eio)
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var limit = new CancellationTokenSource(Eventually.Limit);
        Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            socket.ConnectAsync(new Uri($"{_server.WsUrl}/socket.io/?transport=websocket{eio}"), limit.Token));
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    /// <summary>Sends a handshake: a plain GET for polling, an upgrade request for websocket.</summary>
    private static async Task<HttpResponseMessage> HandshakeAsync(HttpClient http, string url, string transport)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (transport == "websocket")
        {
            request.Headers.Connection.Add("Upgrade");
            request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
            request.Headers.Add("Sec-WebSocket-Version", "13");
            request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        }
        return await http.SendAsync(request);
    }

    [TestCase("polling", "")]
    [TestCase("polling", "EIO=2&")]
    [TestCase("polling", "EIO=abc&")]
    [TestCase("websocket", "")]
    [TestCase("websocket", "EIO=5&")]
    public async Task The_refusal_is_logged_with_the_request_as_the_client_sent_it(string transport, string eio)
    {
        // A marker in the query finds this request's line among the others.
        var pathAndQuery = $"/socket.io/?{eio}transport={transport}&m={Guid.NewGuid():N}";
        using var http = new HttpClient();
        using var response = await HandshakeAsync(http, _server.Url + pathAndQuery, transport);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        // The engine's own line, not ASP.NET Core's request logging, which shows every URL anyway.
        var line = _logs.Lines.SingleOrDefault(l => l.Contains(" SocketIoChat.EngineIo: ", StringComparison.Ordinal) && l.Contains(pathAndQuery, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, "no log line with the request; lines:\n" + string.Join("\n", _logs.Lines));
        Assert.That(line, Does.Contain("code 5 (Unsupported protocol version)").And.Contain("GET " + pathAndQuery));
    }
}
