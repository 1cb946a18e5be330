using System.Net;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>Engine options that change what the server accepts: AllowRequest, transports, CORS.</summary>
public sealed class EngineOptionsTests
{
    [Test]
    public async Task AllowRequest_can_refuse_a_handshake_with_403_and_its_message()
    {
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(o => o.AllowRequest = context =>
                ValueTask.FromResult(context.Request.Headers["X-Key"] == "let me in" ? null : "No key, no entry")),
            app => app.MapSocketIo());
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var (status, body) = await http.GetAsync(http.PollingUrl());
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(body, Is.EqualTo("{\"code\":4,\"message\":\"No key, no entry\"}"));

        using var client = new HttpClient();
        client.DefaultRequestHeaders.Add("X-Key", "let me in");
        var allowed = await client.GetStringAsync(http.PollingUrl());
        Assert.That(allowed, Does.StartWith("0{\"sid\":"));
    }

    [Test]
    public async Task A_websocket_only_server_refuses_polling_as_an_unknown_transport()
    {
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(o => o.Transports = ["websocket"]),
            app => app.MapSocketIo());
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var (status, body) = await http.GetAsync(http.PollingUrl());
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Is.EqualTo("{\"code\":0,\"message\":\"Transport unknown\"}"));
        var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var _ = socket;
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{").And.Contain("\"upgrades\":[]"));
    }

    [Test]
    public async Task The_conformance_profile_allows_cross_origin_requests()
    {
        await using var server = await TestServer.StartAsync("conformance");
        using var client = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, server.Url + "/socket.io/?EIO=4&transport=polling");
        preflight.Headers.Add("Origin", "http://elsewhere.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var answer = await client.SendAsync(preflight);
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));

        using var get = new HttpRequestMessage(HttpMethod.Get, server.Url + "/socket.io/?EIO=4&transport=polling");
        get.Headers.Add("Origin", "http://elsewhere.example");
        using var handshake = await client.SendAsync(get);
        Assert.That(handshake.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
    }
}
