using System.Collections.Concurrent;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>Every way a socket leaves, with the reference server's reason strings.</summary>
public sealed class DisconnectTests
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _reasons = new();
    private readonly ConcurrentDictionary<string, Socket> _sockets = new();

    private void Track(Namespace ns) =>
        ns.OnConnection(socket =>
        {
            _sockets[socket.Id] = socket;
            var reason = _reasons.GetOrAdd(socket.Id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
            var roomsWhileDisconnecting = 0;
            socket.OnDisconnecting(_ => roomsWhileDisconnecting = socket.Rooms.Count);
            socket.OnDisconnect(r => reason.TrySetResult($"{r} (rooms while disconnecting: {roomsWhileDisconnecting})"));
            socket.On("leave me", _ => socket.Disconnect());
            socket.On("close me", _ => socket.Disconnect(close: true));
        });

    private static string Sid(string answer) => (string)Newtonsoft.Json.Linq.JObject.Parse(answer[answer.IndexOf('{')..])["sid"]!;

    private Task<string> ReasonAsync(string sid) =>
        _reasons.GetOrAdd(sid, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).Task.Within();

    [Test]
    public async Task A_client_leaving_the_namespace_gives_client_namespace_disconnect()
    {
        await using var server = await TestServer.StartAsync("default");
        Track(server.Io.Of("/bye"));
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/bye");
        await using var _ = socket;
        await socket.SendAsync("41/bye,");
        Assert.That(await ReasonAsync(Sid(answer)), Is.EqualTo("client namespace disconnect (rooms while disconnecting: 1)"));
    }

    [Test]
    public async Task A_closed_websocket_gives_transport_close()
    {
        await using var server = await TestServer.StartAsync("default");
        Track(server.Io.Of("/bye"));
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/bye");
        await socket.Socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.That(await ReasonAsync(Sid(answer)), Does.StartWith("transport close"));
        await socket.DisposeAsync();
    }

    [Test]
    public async Task A_server_side_disconnect_sends_DISCONNECT_and_keeps_the_connection()
    {
        await using var server = await TestServer.StartAsync("default");
        Track(server.Io.Of("/bye"));
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/bye");
        await using var _ = socket;
        await socket.SendAsync("42/bye,[\"leave me\"]");
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("41/bye,"));
        Assert.That(await ReasonAsync(Sid(answer)), Does.StartWith("server namespace disconnect"));
        await socket.SendAsync("40/test,");
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Does.StartWith("40/test,"), "the engine connection is still open");
    }

    [Test]
    public async Task A_server_side_disconnect_with_close_also_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync("default");
        Track(server.Io.Of("/bye"));
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/bye");
        await using var _ = socket;
        await socket.SendAsync("42/bye,[\"close me\"]");
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("41/bye,"));
        await socket.ExpectCloseAsync();
        Assert.That(await ReasonAsync(Sid(answer)), Does.StartWith("server namespace disconnect"));
    }

    [Test]
    public async Task A_client_that_stops_answering_pings_gives_ping_timeout()
    {
        // The conformance profile pings every 300 ms and waits 200 ms for the answer.
        await using var server = await TestServer.StartAsync("conformance");
        Track(server.Io.Of("/bye"));
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/bye");
        await using var _ = socket;
        Assert.That(await ReasonAsync(Sid(answer)), Does.StartWith("ping timeout"));
    }

    [Test]
    public async Task A_parse_error_disconnects_every_socket_of_the_connection()
    {
        await using var server = await TestServer.StartAsync("default");
        Track(server.Io.Of("/bye"));
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/bye");
        await using var _ = socket;
        await socket.SendAsync("42/bye,{}");
        Assert.That(await ReasonAsync(Sid(answer)), Does.StartWith("parse error"));
        await socket.ExpectCloseAsync();
    }
}
