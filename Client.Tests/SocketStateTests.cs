using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// A socket's state: its handshake (auth included), its data bag, the user of the handshake request,
/// and <c>disconnecting</c> then <c>disconnect</c> with the reference's reason strings.
/// </summary>
public sealed class SocketStateTests
{
    private TestServer _server = null!;
    private readonly List<string> _lifecycle = [];

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(),
            app =>
            {
                // Stands for any authentication handler: the user of the handshake request.
                app.Use((context, next) =>
                {
                    if (context.Request.Query["user"] is { Count: > 0 } user)
                    {
                        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], "test"));
                    }
                    return next(context);
                });
                app.UseWebSockets();
                app.MapSocketIo("/socket.io", io =>
                {
                    io.Of("/state").OnConnection(socket =>
                    {
                        socket.Data["counter"] = 0;
                        socket.On("handshake", e => e.Ack(new Newtonsoft.Json.Linq.JObject
                        {
                            ["auth"] = socket.Handshake.Auth,
                            ["sameAuth"] = ReferenceEquals(socket.Handshake.Auth, socket.Auth),
                            ["query"] = socket.Handshake.Query.GetValueOrDefault("custom"),
                            ["header"] = socket.Handshake.Headers.GetValueOrDefault("x-test"),
                            ["address"] = socket.Handshake.Address,
                            ["url"] = socket.Handshake.Url,
                            ["secure"] = socket.Handshake.Secure,
                            ["crossDomain"] = socket.Handshake.CrossDomain,
                            ["recent"] = Math.Abs((DateTimeOffset.UtcNow - socket.Handshake.Issued).TotalMinutes) < 5,
                            ["user"] = socket.User.Identity?.Name,
                            ["authenticated"] = socket.User.Identity?.IsAuthenticated ?? false,
                        }));
                        socket.On("count", e =>
                        {
                            socket.Data["counter"] = (int)socket.Data["counter"]! + 1;
                            e.Ack(socket.Data["counter"]);
                        });
                        socket.On("server-disconnect", e => socket.Disconnect((bool)e.Arg(0)!));
                        socket.OnDisconnecting(reason => Record($"disconnecting {reason} rooms={socket.Rooms.Count} connected={socket.Connected}"));
                        socket.OnDisconnect(reason => Record($"disconnect {reason} rooms={socket.Rooms.Count} connected={socket.Connected}"));
                    });
                    io.Of("/other");
                });
            });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private void Record(string text)
    {
        lock (_lifecycle)
        {
            _lifecycle.Add(text);
        }
    }

    private string[] Lifecycle()
    {
        lock (_lifecycle)
        {
            var copy = _lifecycle.ToArray();
            _lifecycle.Clear();
            return copy;
        }
    }

    private async Task<SioClient> ConnectAsync(string query = "", string auth = "")
    {
        var (ws, _) = await EngineWebSocket.OpenAsync(_server.WsUrl + "/socket.io/?EIO=4&transport=websocket" + query);
        await ws.SendAsync("40/state," + auth);
        var answer = await ws.NextTextAsync();
        Assert.That(answer, Does.StartWith("40/state,{\"sid\":"));
        return new SioClient(ws, "/state", (string)Newtonsoft.Json.Linq.JObject.Parse(answer["40/state,".Length..])["sid"]!);
    }

    [Test]
    public async Task The_handshake_holds_the_request_and_the_connect_auth_and_the_user()
    {
        await using var client = await ConnectAsync("&custom=value&user=alice", "{\"token\":\"t1\"}");
        var h = (Newtonsoft.Json.Linq.JObject)(await client.EmitWithAckAsync("handshake"))[0]!;
        Assert.That(h["auth"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{\"token\":\"t1\"}"));
        Assert.That((bool)h["sameAuth"]!, Is.True);
        Assert.That((string?)h["query"], Is.EqualTo("value"));
        Assert.That((string?)h["address"], Is.EqualTo("127.0.0.1"));
        Assert.That((string?)h["url"], Does.StartWith("/socket.io/?EIO=4&transport=websocket&custom=value"));
        Assert.That((bool)h["secure"]!, Is.False);
        Assert.That((bool)h["crossDomain"]!, Is.False);
        Assert.That((bool)h["recent"]!, Is.True);
        Assert.That((string?)h["user"], Is.EqualTo("alice"));
        Assert.That((bool)h["authenticated"]!, Is.True);

        await using var anonymous = await ConnectAsync();
        var a = (Newtonsoft.Json.Linq.JObject)(await anonymous.EmitWithAckAsync("handshake"))[0]!;
        Assert.That((bool)a["authenticated"]!, Is.False);
        Assert.That(a["auth"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{}"));
    }

    [Test]
    public async Task Each_socket_has_its_own_data_bag()
    {
        await using var one = await ConnectAsync();
        await using var two = await ConnectAsync();
        Assert.That((int)(await one.EmitWithAckAsync("count"))[0], Is.EqualTo(1));
        Assert.That((int)(await one.EmitWithAckAsync("count"))[0], Is.EqualTo(2));
        Assert.That((int)(await two.EmitWithAckAsync("count"))[0], Is.EqualTo(1));
    }

    [Test]
    public async Task A_client_leaving_the_namespace_gives_disconnecting_then_disconnect_with_its_reason()
    {
        Lifecycle();
        await using var client = await ConnectAsync();
        await client.LeaveAsync();
        await Eventually.True(() => Count() == 2, "both lifecycle events ran");
        Assert.That(Lifecycle(), Is.EqualTo(new[]
        {
            "disconnecting client namespace disconnect rooms=1 connected=True",
            "disconnect client namespace disconnect rooms=0 connected=False",
        }));
    }

    [Test]
    public async Task A_closed_connection_gives_the_transport_close_reason()
    {
        Lifecycle();
        var client = await ConnectAsync();
        await client.Socket.SendAsync("1"); // the client closes its engine session
        await Eventually.True(() => Count() == 2, "both lifecycle events ran");
        Assert.That(Lifecycle(), Is.EqualTo(new[]
        {
            "disconnecting transport close rooms=1 connected=True",
            "disconnect transport close rooms=0 connected=False",
        }));
        await client.DisposeAsync();
    }

    [Test]
    public async Task A_server_side_disconnect_keeps_the_connection_unless_asked_to_close_it()
    {
        Lifecycle();
        await using var soft = await ConnectAsync();
        await soft.EmitAsync("server-disconnect", "false");
        Assert.That(await soft.NextAsync(), Is.EqualTo("1/state,"));
        await soft.Socket.SendAsync("40/other,");
        Assert.That(await soft.NextAsync(), Does.StartWith("0/other,{\"sid\":"), "the connection is still open");
        Assert.That(Lifecycle(), Is.EqualTo(new[]
        {
            "disconnecting server namespace disconnect rooms=1 connected=True",
            "disconnect server namespace disconnect rooms=0 connected=False",
        }));

        await using var hard = await ConnectAsync();
        await hard.EmitAsync("server-disconnect", "true");
        Assert.That(await hard.NextAsync(), Is.EqualTo("1/state,"));
        await hard.Socket.ExpectClosedAsync();
        // As in the reference, each socket of the closed connection is disconnected the ordinary way first.
        Assert.That(Lifecycle(), Is.EqualTo(new[]
        {
            "disconnecting server namespace disconnect rooms=1 connected=True",
            "disconnect server namespace disconnect rooms=0 connected=False",
        }));
    }

    private int Count()
    {
        lock (_lifecycle)
        {
            return _lifecycle.Count;
        }
    }
}
