using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Per-packet middleware (<c>socket.Use((e, next) => …)</c>): runs in order before the handlers,
/// may change the arguments, drops the event when it does not call next, and when it throws the
/// event is dropped and the socket's error listeners get the exception (the client is told nothing).
/// </summary>
public sealed class PacketMiddlewareTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _server.Io.Of("/packets").OnConnection(socket =>
        {
            var order = new List<string>();
            socket.Use(async (e, next) =>
            {
                order.Add("first");
                if (e.Name == "forbidden")
                {
                    throw new InvalidOperationException("unauthorized event");
                }
                if (e.Name == "swallowed")
                {
                    return; // next is not called: the event goes nowhere
                }
                if (e.Name == "shout")
                {
                    e.Args[0] = ((string)e.Args[0]!).ToUpperInvariant();
                }
                await next();
            });
            socket.Use(async (e, next) =>
            {
                await Task.Yield(); // middleware may be asynchronous
                order.Add("second");
                await next();
            });
            socket.OnError(error => socket.Emit("error-seen", error.Message));
            socket.On("shout", e => socket.Emit("echo", e.Args[0]));
            socket.On("forbidden", _ => socket.Emit("handler-ran"));
            socket.On("swallowed", _ => socket.Emit("handler-ran"));
            socket.On("order", e =>
            {
                order.Add("handler");
                e.Ack((object)order.ToArray());
                order.Clear();
            });
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Middleware_runs_in_order_before_the_handler()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/packets");
        var order = await client.EmitWithAckAsync("order");
        Assert.That(order[0]!.Select(t => (string)t!), Is.EqualTo(new[] { "first", "second", "handler" }));
    }

    [Test]
    public async Task Middleware_may_change_the_arguments()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/packets");
        await client.EmitAsync("shout", "\"hello\"");
        var (_, name, args) = await client.NextEventAsync();
        Assert.That((name, (string)args[0]!), Is.EqualTo(("echo", "HELLO")));
    }

    [Test]
    public async Task A_throwing_middleware_drops_the_event_and_raises_the_error_listeners()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/packets");
        await client.EmitAsync("forbidden");
        var (_, name, args) = await client.NextEventAsync();
        Assert.That((name, (string)args[0]!), Is.EqualTo(("error-seen", "unauthorized event")));
        // The handler never ran: the next packet is the answer to this ack.
        Assert.That(await client.EmitWithAckAsync("order"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task An_event_whose_middleware_does_not_call_next_is_dropped()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/packets");
        await client.EmitAsync("swallowed");
        var order = await client.EmitWithAckAsync("order");
        Assert.That(order[0]!.Select(t => (string)t!), Is.EqualTo(new[] { "first", "first", "second", "handler" }),
            "the swallowed event stopped after the first middleware, and no handler-ran came before the ack");
    }
}
