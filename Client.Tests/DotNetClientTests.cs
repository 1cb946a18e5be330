using System.Threading.Channels;
using System.Collections.Concurrent;
using System.Text.Json;
using Newtonsoft.Json.Linq;
using SocketIOClient;
using SocketIOClient.Transport;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The .NET SocketIOClient 3.0.6 against the seed /test namespace, over each transport, speaking
/// Engine.IO v4 (Socket.IO v5) and Engine.IO v3 (Socket.IO v4, as socket.io-client 1.x and 2.x do).
/// </summary>
[TestFixture(4, TransportProtocol.WebSocket)]
[TestFixture(4, TransportProtocol.Polling)]
[TestFixture(3, TransportProtocol.WebSocket)]
[TestFixture(3, TransportProtocol.Polling)]
public sealed class DotNetClientTests(int eio, TransportProtocol transport)
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("default");

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    /// <summary>A connected client plus everything it received, by event name.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly ConcurrentDictionary<string, Channel<SocketIOResponse>> _received = new();

        public Peer(string url, int eio, TransportProtocol transport, params string[] events)
        {
            Client = new SocketIO(url, new SocketIOOptions
            {
                EIO = eio,
                Transport = transport,
                AutoUpgrade = false,
                Reconnection = false,
                ConnectionTimeout = Eventually.Limit,
            });
            foreach (var name in events)
            {
                var channel = _received.GetOrAdd(name, _ => Channel.CreateUnbounded<SocketIOResponse>());
                Client.On(name, response => channel.Writer.TryWrite(response));
            }
        }

        public SocketIO Client { get; }

        public async Task ConnectAsync()
        {
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Client.OnConnected += (_, _) => connected.TrySetResult();
            // ConnectAsync returns once the transport is up; the namespace is joined at OnConnected.
            await Client.ConnectAsync().Within();
            await connected.Task.Within();
        }

        public Task<SocketIOResponse> NextAsync(string name) => _received[name].Reader.ReadAsync().AsTask().Within();

        public bool HasPending(string name) => _received[name].Reader.TryPeek(out _);

        public void Dispose() => Client.Dispose();
    }

    private static string Data(SocketIOResponse response) => response.GetValue<JsonElement>(0).GetProperty("data").GetString()!;

    private async Task<Peer> ConnectAsync(string nsp = "/test", params string[] events)
    {
        var peer = new Peer(_server.Url + nsp, eio, transport, events.Length == 0 ? ["my response", "echo"] : events);
        await peer.ConnectAsync();
        return peer;
    }

    /// <summary>The fixture really runs with its parameters: the client could fall back without the other tests noticing.</summary>
    [Test]
    public async Task The_server_sees_the_Engine_IO_revision_and_transport_the_client_was_set_to()
    {
        var nsp = $"/dotnet-protocol-eio{eio}-{transport}";
        var seen = new TaskCompletionSource<(int Eio, string Transport)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Io.Of(nsp).OnConnection(socket => seen.TrySetResult((socket.ProtocolVersion, socket.Transport)));
        using var peer = new Peer(_server.Url + nsp, eio, transport);
        await peer.ConnectAsync();

        var (seenEio, seenTransport) = await seen.Task.Within();
        Assert.That(seenEio, Is.EqualTo(eio));
        Assert.That(seenTransport, Is.EqualTo(transport == TransportProtocol.WebSocket ? "websocket" : "polling"));
    }

    [Test]
    public async Task The_test_namespace_greets_a_new_client_with_Connected()
    {
        using var peer = await ConnectAsync();
        Assert.That(Data(await peer.NextAsync("my response")), Is.EqualTo("Connected"));
    }

    [Test]
    public async Task My_event_is_echoed_to_the_sender_only()
    {
        using var sender = await ConnectAsync();
        using var other = await ConnectAsync();
        await sender.NextAsync("my response");
        await other.NextAsync("my response");

        await sender.Client.EmitAsync("my event", new { data = "just me" });
        Assert.That(Data(await sender.NextAsync("my response")), Is.EqualTo("just me"));

        // A broadcast sent afterwards reaches the other client; had the echo gone there too, it would come first.
        await sender.Client.EmitAsync("my broadcast event", new { data = "everyone" });
        Assert.That(Data(await other.NextAsync("my response")), Is.EqualTo("everyone"));
    }

    [Test]
    public async Task My_broadcast_event_reaches_every_client_of_the_namespace()
    {
        using var a = await ConnectAsync();
        using var b = await ConnectAsync();
        await a.NextAsync("my response");
        await b.NextAsync("my response");

        await a.Client.EmitAsync("my broadcast event", new { data = "hello all" });
        Assert.That(Data(await a.NextAsync("my response")), Is.EqualTo("hello all"));
        Assert.That(Data(await b.NextAsync("my response")), Is.EqualTo("hello all"));
    }

    [Test]
    public async Task The_server_answers_a_client_acknowledgement()
    {
        using var peer = await ConnectAsync();
        var answer = new TaskCompletionSource<SocketIOResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await peer.Client.EmitAsync("echo-ack", response => answer.TrySetResult(response), "abc", 42);
        var response = await answer.Task.Within();
        Assert.That(response.GetValue<string>(0), Is.EqualTo("abc"));
        Assert.That(response.GetValue<int>(1), Is.EqualTo(42));
    }

    [Test]
    public async Task The_client_answers_a_server_acknowledgement()
    {
        var nsp = $"/dotnet-acks-eio{eio}-{transport}";
        var answered = new TaskCompletionSource<JArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Io.Of(nsp).OnConnection(async socket =>
        {
            try
            {
                answered.TrySetResult(await socket.EmitWithAckAsync(Eventually.Limit, "question", 41));
            }
            catch (Exception ex)
            {
                answered.TrySetException(ex);
            }
        });
        var peer = new Peer(_server.Url + nsp, eio, transport);
        using var _ = peer;
        peer.Client.On("question", response => response.CallbackAsync(response.GetValue<int>(0) + 1));
        await peer.ConnectAsync();

        var result = await answered.Task.Within();
        Assert.That((int)result[0]!, Is.EqualTo(42));
    }

    [Test]
    public async Task Binary_arguments_come_back_intact()
    {
        using var peer = await ConnectAsync();
        var bytes = new byte[] { 0, 1, 2, 250, 255 };
        await peer.Client.EmitAsync("echo", bytes);
        var echo = await peer.NextAsync("echo");
        Assert.That(echo.InComingBytes, Has.Count.EqualTo(1));
        Assert.That(echo.InComingBytes[0], Is.EqualTo(bytes));
    }

    [Test]
    public async Task Non_ascii_text_comes_back_intact()
    {
        using var peer = await ConnectAsync();
        await peer.NextAsync("my response");
        // 𝄞 is outside the BMP like the emoji: two UTF-16 units, which the EIO=3 polling length counts.
        await peer.Client.EmitAsync("my event", new { data = "中文 😀 é 𝄞" });
        Assert.That(Data(await peer.NextAsync("my response")), Is.EqualTo("中文 😀 é 𝄞"));
    }

    /// <summary>
    /// The client stays connected across several heartbeats of a server with a short pingInterval
    /// (EIO=3: the client pings; EIO=4: the server does) for longer than pingInterval + pingTimeout,
    /// so a missed or misdirected heartbeat would have ended the session.
    /// </summary>
    [Test]
    public async Task The_connection_outlasts_several_heartbeats()
    {
        // Generous against a loaded machine: a heartbeat may come up to 4 s late before anyone gives up.
        await using var server = await TestServer.StartAsync(
            "default", "--SocketIo:PingInterval", "00:00:01", "--SocketIo:PingTimeout", "00:00:04");
        using var peer = new Peer(server.Url + "/test", eio, transport, "my response");
        var disconnects = new ConcurrentQueue<string>();
        peer.Client.OnDisconnected += (_, reason) => disconnects.Enqueue(reason);
        await peer.ConnectAsync();
        Assert.That(Data(await peer.NextAsync("my response")), Is.EqualTo("Connected"));

        // Time passing is the point: 7 s is more than pingInterval + pingTimeout (5 s).
        await Task.Delay(TimeSpan.FromSeconds(7));

        Assert.That(disconnects, Is.Empty, "the client was disconnected while idle");
        await peer.Client.EmitAsync("my event", new { data = "still here" });
        Assert.That(Data(await peer.NextAsync("my response")), Is.EqualTo("still here"));
    }
}
