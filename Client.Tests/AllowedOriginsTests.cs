using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The origin allow-list (<c>SocketIo:AllowedOrigins</c>) on both transports: every polling request
/// and every WebSocket upgrade whose <c>Origin</c> is not allowed gets 403
/// <c>{"code":4,"message":"Forbidden"}</c>. Empty (the default) allows the server's own origin only;
/// requests without an Origin (non-browser clients) are always allowed.
/// </summary>
public sealed class AllowedOriginsTests
{
    private const string Evil = "https://evil.example";
    private const string Good = "https://good.example";

    private static async Task<HttpStatusCode> PollAsync(string url, string? origin, HttpMethod? method = null, string body = "")
    {
        using var client = new HttpClient { Timeout = Eventually.Limit };
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, url);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent(body);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        using var response = await client.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{\"code\":4,\"message\":\"Forbidden\"}"));
        }
        return response.StatusCode;
    }

    private static async Task<int> UpgradeAsync(TestServer server, string? origin)
    {
        await using var socket = await WireWebSocket.ConnectAsync(server.Url, "/socket.io/?EIO=4&transport=websocket", null, origin);
        return socket.Status;
    }

    [Test]
    public async Task By_default_only_the_servers_own_origin_may_poll_or_upgrade([Values] bool webSocketsAtConnection)
    {
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(o => o.WebSocketsAtConnection = webSocketsAtConnection),
            app =>
            {
                app.UseWebSockets();
                app.MapSocketIo();
            });
        var handshake = server.Url + "/socket.io/?EIO=4&transport=polling";
        Assert.That(await PollAsync(handshake, Evil), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PollAsync(handshake, "null"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PollAsync(handshake, server.Url), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await PollAsync(handshake, null), Is.EqualTo(HttpStatusCode.OK));
        // Not a browser's origin (socket.io-client 1.x in Node sends host:port): not checked.
        Assert.That(await PollAsync(handshake, "127.0.0.1:1234"), Is.EqualTo(HttpStatusCode.OK));

        // A session opened without an Origin cannot be used from another origin either.
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        Assert.That(await PollAsync(http.PollingUrl(sid), Evil, HttpMethod.Post, "40"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PollAsync(http.PollingUrl(sid), Evil), Is.EqualTo(HttpStatusCode.Forbidden));

        Assert.That(await UpgradeAsync(server, Evil), Is.EqualTo(403));
        Assert.That(await UpgradeAsync(server, server.Url), Is.EqualTo(101));
        Assert.That(await UpgradeAsync(server, null), Is.EqualTo(101));
    }

    [Test]
    public async Task The_allow_list_comes_from_configuration_and_star_allows_any([Values] bool webSocketsAtConnection)
    {
        await using var server = await TestServer.StartLibraryAsync(
            builder =>
            {
                builder.Configuration["SocketIo:AllowedOrigins:0"] = Good;
                builder.Configuration["SocketIo:AllowedOrigins:1"] = "null";
                builder.Services.AddSocketIo(o => o.WebSocketsAtConnection = webSocketsAtConnection);
            },
            app =>
            {
                app.UseWebSockets();
                app.MapSocketIo();
            });
        var handshake = server.Url + "/socket.io/?EIO=4&transport=polling";
        Assert.That(await PollAsync(handshake, Good), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await PollAsync(handshake, "null"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await PollAsync(handshake, Evil), Is.EqualTo(HttpStatusCode.Forbidden));
        // A list replaces the same-origin default.
        Assert.That(await PollAsync(handshake, server.Url), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await UpgradeAsync(server, Good), Is.EqualTo(101));
        Assert.That(await UpgradeAsync(server, Evil), Is.EqualTo(403));

        await using var any = await TestServer.StartAsync("conformance");
        Assert.That(await PollAsync(any.Url + "/socket.io/?EIO=4&transport=polling", Evil), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await UpgradeAsync(any, Evil), Is.EqualTo(101));
    }
}
