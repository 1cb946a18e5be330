using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>Connection middleware accepts or refuses namespace connections with CONNECT_ERROR.</summary>
public sealed class MiddlewareTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _server.Io.Of("/guarded")
            .Use(socket =>
            {
                if ((string?)socket.Auth["token"] != "open sesame")
                {
                    throw new SocketIoConnectionException("not authorized", new { code = 42 });
                }
                return Task.CompletedTask;
            })
            .Use(async socket =>
            {
                await Task.Yield(); // middleware may be asynchronous
                socket.Data["checked"] = true;
            })
            .OnConnection(socket => socket.Emit("welcome", socket.Data["checked"]));
        _server.Io.Of("/broken").Use(_ => throw new InvalidOperationException("middleware exploded"));
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task A_refusal_is_a_connect_error_with_message_and_data()
    {
        var (socket, answer) = await RawSocketIo.ConnectAsync(_server, "/guarded", "{\"token\":\"wrong\"}");
        await using var _ = socket;
        Assert.That(answer, Is.EqualTo("44/guarded,{\"message\":\"not authorized\",\"data\":{\"code\":42}}"));
    }

    [Test]
    public async Task Accepted_connections_pass_every_middleware_in_order_before_the_handler()
    {
        var (socket, answer) = await RawSocketIo.ConnectAsync(_server, "/guarded", "{\"token\":\"open sesame\"}");
        await using var _ = socket;
        Assert.That(answer, Does.StartWith("40/guarded,{\"sid\":\""));
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("42/guarded,[\"welcome\",true]"));
    }

    [Test]
    public async Task Any_exception_in_middleware_refuses_with_its_message_and_the_connection_stays_usable()
    {
        var (socket, answer) = await RawSocketIo.ConnectAsync(_server, "/broken");
        await using var _ = socket;
        Assert.That(answer, Is.EqualTo("44/broken,{\"message\":\"middleware exploded\"}"));
        // The engine connection survives a refused namespace: the seed namespace still accepts it.
        await socket.SendAsync("40/test,");
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Does.StartWith("40/test,{\"sid\":"));
    }
}
