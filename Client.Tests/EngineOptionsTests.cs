using System.Diagnostics;
using System.Net;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Engine options that change what the server accepts: AllowRequest, transports, allowUpgrades,
/// upgradeTimeout, serveClient, CORS.
/// </summary>
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
        await ExpectWebSocketOnlyAsync(server);
    }

    /// <summary>Polling at <c>/socket.io/</c> is refused as an unknown transport while a WebSocket opens.</summary>
    internal static async Task ExpectWebSocketOnlyAsync(TestServer server)
    {
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var (status, body) = await http.GetAsync(http.PollingUrl());
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body, Is.EqualTo("{\"code\":0,\"message\":\"Transport unknown\"}"));
        var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var _ = socket;
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{").And.Contain("\"upgrades\":[]"));
    }

    [Test]
    public async Task A_polling_only_server_refuses_websockets_as_an_unknown_transport_and_offers_no_upgrade()
    {
        await using var server = await EngineEcho.StartAsync(o => o.Transports = ["polling"]);
        using var http = new EngineHttp(server.Url);
        var open = await http.HandshakeAsync();
        Assert.That(open["upgrades"], Is.Empty);

        await using (var handshake = await WireWebSocket.ConnectAsync(server.Url, "/engine.io/?EIO=4&transport=websocket", null))
        {
            Assert.That(handshake.Status, Is.EqualTo(400));
            Assert.That(handshake.Body, Is.EqualTo("{\"code\":0,\"message\":\"Transport unknown\"}"));
        }
        var sid = (string)open["sid"]!;
        await using (var upgrade = await WireWebSocket.ConnectAsync(server.Url, $"/engine.io/?EIO=4&transport=websocket&sid={sid}", null))
        {
            Assert.That(upgrade.Status, Is.EqualTo(400));
            Assert.That(upgrade.Body, Is.EqualTo("{\"code\":0,\"message\":\"Transport unknown\"}"));
        }
        // The session is unharmed.
        Assert.That(await http.PostAsync(http.PollingUrl(sid), "4still here"), Is.EqualTo((HttpStatusCode.OK, "ok")));
        Assert.That(await http.PollSkippingPingsAsync(sid), Is.EqualTo(new[] { "4still here" }));
    }

    [Test]
    public async Task Without_allowUpgrades_the_open_packet_lists_no_upgrade_and_a_websocket_with_the_sid_is_closed()
    {
        await using var server = await EngineEcho.StartAsync(o => o.AllowUpgrades = false);
        using var http = new EngineHttp(server.Url);
        var open = await http.HandshakeAsync();
        Assert.That(open["upgrades"], Is.Empty);
        var sid = (string)open["sid"]!;
        await using (var socket = await EngineWebSocket.ConnectAsync(server.WsUrl + $"/engine.io/?EIO=4&transport=websocket&sid={sid}"))
        {
            await socket.SendAsync("2probe");
            await socket.ExpectClosedAsync();
        }
        Assert.That(await http.PostAsync(http.PollingUrl(sid), "4still polling"), Is.EqualTo((HttpStatusCode.OK, "ok")));
        Assert.That(await http.PollSkippingPingsAsync(sid), Is.EqualTo(new[] { "4still polling" }));
    }

    [Test]
    public async Task With_allowUpgrades_on_the_polling_open_packet_offers_websocket()
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        using var http = new EngineHttp(server.Url);
        var open = await http.HandshakeAsync();
        Assert.That(open["upgrades"]!.ToObject<string[]>(), Is.EqualTo(new[] { "websocket" }));
    }

    [Test]
    public async Task An_upgrade_that_is_not_completed_within_upgradeTimeout_is_dropped_and_polling_goes_on()
    {
        var timeout = TimeSpan.FromMilliseconds(800);
        await using var server = await EngineEcho.StartAsync(o => o.UpgradeTimeout = timeout);
        using var http = new EngineHttp(server.Url);
        var sid = await http.OpenAsync();
        var clock = Stopwatch.StartNew();
        await using (var socket = await EngineWebSocket.ConnectAsync(server.WsUrl + $"/engine.io/?EIO=4&transport=websocket&sid={sid}"))
        {
            await socket.SendAsync("2probe");
            Assert.That(await socket.NextTextAsync(), Is.EqualTo("3probe"));
            // No "5": the server gives up on the upgrade once the timeout has passed.
            await socket.ExpectClosedAsync();
        }
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(50)));
        Assert.That(await http.PostAsync(http.PollingUrl(sid), "4after the probe"), Is.EqualTo((HttpStatusCode.OK, "ok")));
        // A poll that overlaps the end of the probe may get a noop; the message comes next.
        var received = await http.PollSkippingPingsAsync(sid);
        if (received.SequenceEqual(["6"]))
        {
            received = await http.PollSkippingPingsAsync(sid);
        }
        Assert.That(received, Is.EqualTo(new[] { "4after the probe" }));
    }

    [TestCase(true, HttpStatusCode.OK)]
    [TestCase(false, HttpStatusCode.NotFound)]
    public async Task ServeClient_decides_whether_the_client_bundle_is_served(bool serveClient, HttpStatusCode expected)
    {
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(o => o.ServeClient = serveClient),
            app => app.MapSocketIo());
        using var client = new HttpClient { Timeout = Eventually.Limit };
        using var response = await client.GetAsync(server.Url + "/socket.io/socket.io.js");
        Assert.That(response.StatusCode, Is.EqualTo(expected));
        if (serveClient)
        {
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Socket.IO"));
        }
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
