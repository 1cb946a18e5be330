using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>The host starts with each profile and serves its pages.</summary>
public sealed class ServerStartsTests
{
    [Test]
    public async Task The_default_profile_serves_the_seed_page_and_the_client_bundle()
    {
        await using var server = await TestServer.StartAsync("default");
        using var http = new HttpClient();
        var page = await http.GetStringAsync(server.Url + "/");
        Assert.That(page, Does.Contain("form id=\"emit\"").And.Contain("socket.io/1.3.5/socket.io.min.js"));
        using var bundle = await http.GetAsync(server.Url + "/socket.io/socket.io.js");
        Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await bundle.Content.ReadAsStringAsync(), Does.Contain("Socket.IO v4.8"));
    }

    [Test]
    public async Task The_conformance_profile_answers_both_endpoints()
    {
        await using var server = await TestServer.StartAsync("conformance");
        using var engine = new EngineHttp(server.Url, "/engine.io/");
        using var socketIo = new EngineHttp(server.Url, "/socket.io/");
        Assert.That((int)(await engine.HandshakeAsync())["pingInterval"]!, Is.EqualTo(300));
        Assert.That((int)(await socketIo.HandshakeAsync())["pingTimeout"]!, Is.EqualTo(200));
    }
}
