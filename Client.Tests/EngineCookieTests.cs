using System.Net;
using Microsoft.Net.Http.Headers;
using SocketIoChat.EngineIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The <c>cookie</c> option: the polling handshake answer sets a cookie holding the session id
/// (for sticky sessions); later requests and WebSocket handshakes do not, as on the reference.
/// </summary>
public sealed class EngineCookieTests
{
    [Test]
    public async Task Without_the_option_no_cookie_is_set()
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        var (setCookie, _) = await HandshakeAsync(server);
        Assert.That(setCookie, Is.Empty);
    }

    [Test]
    public async Task The_default_cookie_is_io_with_path_root_httpOnly_and_sameSite_lax()
    {
        await using var server = await EngineEcho.StartAsync(o => o.Cookie = new EngineCookieOptions());
        var (setCookie, sid) = await HandshakeAsync(server);
        var cookie = SingleCookie(setCookie);
        Assert.That(cookie.Name.Value, Is.EqualTo("io"));
        Assert.That(cookie.Value.Value, Is.EqualTo(sid));
        Assert.That(cookie.Path.Value, Is.EqualTo("/"));
        Assert.That(cookie.HttpOnly, Is.True);
        Assert.That(cookie.SameSite, Is.EqualTo(Microsoft.Net.Http.Headers.SameSiteMode.Lax));
        Assert.That(cookie.Secure, Is.False);
        Assert.That(cookie.Domain.HasValue, Is.False);
        Assert.That(cookie.MaxAge, Is.Null);
    }

    [Test]
    public async Task Name_path_sameSite_httpOnly_and_maxAge_are_options()
    {
        await using var server = await EngineEcho.StartAsync(o => o.Cookie = new EngineCookieOptions
        {
            Name = "woot",
            Path = "/custom",
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
            HttpOnly = false,
            MaxAge = TimeSpan.FromMinutes(5),
        });
        var (setCookie, sid) = await HandshakeAsync(server);
        var cookie = SingleCookie(setCookie);
        Assert.That(cookie.Name.Value, Is.EqualTo("woot"));
        Assert.That(cookie.Value.Value, Is.EqualTo(sid));
        Assert.That(cookie.Path.Value, Is.EqualTo("/custom"));
        Assert.That(cookie.HttpOnly, Is.False);
        Assert.That(cookie.SameSite, Is.EqualTo(Microsoft.Net.Http.Headers.SameSiteMode.Strict));
        Assert.That(cookie.MaxAge, Is.EqualTo(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public async Task No_path_and_no_sameSite_leave_those_attributes_out()
    {
        await using var server = await EngineEcho.StartAsync(o => o.Cookie = new EngineCookieOptions
        {
            Path = null,
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Unspecified,
        });
        var (setCookie, _) = await HandshakeAsync(server);
        Assert.That(setCookie, Has.Length.EqualTo(1));
        var header = setCookie[0];
        Assert.That(header, Does.Not.Contain("path").IgnoreCase);
        Assert.That(header, Does.Not.Contain("samesite").IgnoreCase);
        Assert.That(header, Does.Contain("httponly").IgnoreCase);
    }

    [Test]
    public async Task Later_polls_and_posts_set_no_cookie()
    {
        await using var server = await EngineEcho.StartAsync(o => o.Cookie = new EngineCookieOptions());
        var (_, sid) = await HandshakeAsync(server);
        using var http = new EngineHttp(server.Url);
        using var client = new HttpClient { Timeout = Eventually.Limit };
        using var post = await client.PostAsync(http.PollingUrl(sid), new StringContent("4hello"));
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(post.Headers.Contains("Set-Cookie"), Is.False);
        using var poll = await client.GetAsync(http.PollingUrl(sid));
        Assert.That(await poll.Content.ReadAsStringAsync(), Is.EqualTo("4hello"));
        Assert.That(poll.Headers.Contains("Set-Cookie"), Is.False);
    }

    [Test]
    public async Task A_websocket_handshake_sets_no_cookie_as_on_the_reference()
    {
        await using var server = await EngineEcho.StartAsync(o => o.Cookie = new EngineCookieOptions());
        await using var socket = await WireWebSocket.ConnectAsync(server.Url, "/engine.io/?EIO=4&transport=websocket", null);
        Assert.That(socket.Status, Is.EqualTo(101));
        Assert.That(socket.Headers.ContainsKey("set-cookie"), Is.False);
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{\"sid\":"));
    }

    /// <summary>A polling handshake: the Set-Cookie headers of its answer and the sid from its open packet.</summary>
    private static async Task<(string[] SetCookie, string Sid)> HandshakeAsync(TestServer server)
    {
        using var http = new EngineHttp(server.Url);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { Timeout = Eventually.Limit };
        using var response = await client.GetAsync(http.PollingUrl());
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var sid = (string)Newtonsoft.Json.Linq.JObject.Parse(body[1..])["sid"]!;
        return (response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [], sid);
    }

    private static SetCookieHeaderValue SingleCookie(string[] setCookie)
    {
        Assert.That(setCookie, Has.Length.EqualTo(1));
        return SetCookieHeaderValue.Parse(setCookie[0]);
    }
}
