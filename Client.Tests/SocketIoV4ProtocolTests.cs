using System.Net;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Socket.IO protocol revision 4 on EIO=3 connections (socket.io-client 1.x and 2.x): the server
/// joins the client to <c>/</c> by itself, CONNECT answers carry no payload, refusals are plain
/// strings, a namespace query is the auth, and events, acks and binary work on both transports.
/// </summary>
public sealed partial class SocketIoV4ProtocolTests
{
    private TestServer _server = null!;
    private readonly TaskCompletionSource<JObject> _authSeenByMiddleware = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JArray> _answerToQuestion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _server.Io.Of("/v3-auth")
            .Use(socket =>
            {
                _authSeenByMiddleware.TrySetResult((JObject)socket.Auth.DeepClone());
                return Task.CompletedTask;
            })
            .OnConnection(socket => socket.Emit("auth", socket.Auth));
        _server.Io.Of("/v3-guarded").Use(_ => throw new SocketIoConnectionException("not authorized"));
        _server.Io.Of("/v3-guarded-data").Use(_ => throw new SocketIoConnectionException("not authorized", new { code = 42 }));
        _server.Io.Of("/v3-ask").OnConnection(async socket => _answerToQuestion.TrySetResult(await socket.EmitWithAckAsync("question", 1)));
        // Asked, not announced, so the other tests see exactly what the seed namespaces send.
        _server.Io.Sockets.OnConnection(socket => socket.On("whoami", e => e.Ack(socket.Id)));
        _server.Io.Of("/test").OnConnection(socket => socket.On("whoami", e => e.Ack(socket.Id)));
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    /// <summary>Opens an EIO=3 WebSocket, checks the automatic <c>40</c>, and joins <paramref name="nsp"/> unless it is <c>/</c>.</summary>
    private async Task<RawWebSocket> OpenAsync(string nsp = "/")
    {
        var socket = await RawWebSocket.ConnectAsync(_server.WsUrl + "/socket.io/?EIO=3&transport=websocket");
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("40"));
        if (nsp != "/")
        {
            await socket.SendAsync($"40{nsp},");
            Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo($"40{nsp},"));
        }
        return socket;
    }

    private const string Greeting = "42/test,[\"my response\",{\"data\":\"Connected\"}]";
    private const string Placeholder = "{\"_placeholder\":true,\"num\":0}";

    [Test]
    public async Task Over_polling_the_server_connects_the_client_to_the_main_namespace_in_the_handshake_answer()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/");
        var (_, rest) = await http.OpenAsync();
        Assert.That(rest, Is.EqualTo(new[] { "40" }));
    }

    [Test]
    public async Task Over_websocket_the_server_connects_the_client_to_the_main_namespace_right_after_open()
    {
        await using var socket = await OpenAsync();
    }

    [TestCase("40/test,")]
    [TestCase("40/test")]
    public async Task A_namespace_CONNECT_is_answered_without_payload_and_then_greeted(string connect)
    {
        // "40/test" is how socket.io-client 1.x writes it, "40/test," is 2.x.
        await using var socket = await OpenAsync();
        await socket.SendAsync(connect);
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("40/test,"));
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo(Greeting));
    }

    [Test]
    public async Task A_namespace_CONNECT_over_polling_is_answered_without_payload_and_then_greeted()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "40/test,");
        var packets = await http.PollAsync(sid);
        if (packets.Count == 1)
        {
            // The greeting may be queued a moment after the answer.
            packets.AddRange(await http.PollAsync(sid));
        }
        Assert.That(packets, Is.EqualTo(new[] { "40/test,", Greeting }));
    }

    [Test]
    public async Task The_socket_id_is_the_one_a_2x_client_derives_from_its_engine_id()
    {
        // socket.io-client 2.x sets socket.id to the engine sid on "/" and to "<nsp>#<sid>"
        // elsewhere, and applications pass that id around to address a socket (io.to(id)); the
        // reference servers (1.4 and later, and 4.x for EIO=3) name sockets the same way.
        var socket = await RawWebSocket.ConnectAsync(_server.WsUrl + "/socket.io/?EIO=3&transport=websocket");
        await using var _ = socket;
        var open = (await socket.ReceiveAsync()).Text!;
        var sid = (string)JObject.Parse(open[1..])["sid"]!;
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("40"));
        await socket.SendAsync("420[\"whoami\"]");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo($"430[\"{sid}\"]"));

        await socket.SendAsync("40/test,");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("40/test,"));
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        await socket.SendAsync("42/test,1[\"whoami\"]");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo($"43/test,1[\"/test#{sid}\"]"));
    }

    [Test]
    public async Task An_unknown_namespace_is_refused_with_a_plain_string()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync("40/random,");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("44/random,\"Invalid namespace\""));
    }

    [Test]
    public async Task The_query_of_a_namespace_CONNECT_is_the_auth_and_not_part_of_the_name()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync("40/v3-auth?token=abc&user=%C3%A9,");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("40/v3-auth,"));
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("42/v3-auth,[\"auth\",{\"token\":\"abc\",\"user\":\"é\"}]"));
        var auth = await _authSeenByMiddleware.Task.Within();
        Assert.That(auth.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{\"token\":\"abc\",\"user\":\"é\"}"));
    }

    [Test]
    public async Task A_middleware_refusal_is_a_connect_error_carrying_the_message_as_a_plain_string()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync("40/v3-guarded,");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("44/v3-guarded,\"not authorized\""));
        // The engine connection survives: another namespace still accepts it.
        await socket.SendAsync("40/test,");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("40/test,"));
    }

    [Test]
    public async Task A_middleware_refusal_with_data_sends_the_data_instead_of_the_message()
    {
        // The reference servers (socket.io 2.x and 4.x alike) send err.data || err.message to v3 clients.
        await using var socket = await OpenAsync();
        await socket.SendAsync("40/v3-guarded-data,");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("44/v3-guarded-data,{\"code\":42}"));
    }

    [Test]
    public async Task An_event_is_answered_in_its_namespace()
    {
        await using var socket = await OpenAsync("/test");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        await socket.SendAsync("42/test,[\"my event\",{\"data\":\"hi\"}]");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("42/test,[\"my response\",{\"data\":\"hi\"}]"));
    }

    [Test]
    public async Task An_event_with_an_ack_id_is_acknowledged_with_the_same_id()
    {
        await using var socket = await OpenAsync("/test");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        await socket.SendAsync("42/test,7[\"echo-ack\",1,\"two\"]");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("43/test,7[1,\"two\"]"));
    }

    [GeneratedRegex(@"^42/v3-ask,(\d+)\[""question"",1\]$")]
    private static partial Regex Question();

    [Test]
    public async Task The_server_gets_the_answer_to_an_event_it_asked_the_client_to_acknowledge()
    {
        await using var socket = await OpenAsync("/v3-ask");
        var question = (await socket.ReceiveAsync()).Text ?? "";
        var match = Question().Match(question);
        Assert.That(match.Success, Is.True, question);
        await socket.SendAsync($"43/v3-ask,{match.Groups[1].Value}[\"yes\"]");
        var answer = await _answerToQuestion.Task.Within();
        Assert.That(answer.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"yes\"]"));
    }

    [Test]
    public async Task A_binary_event_over_websocket_travels_as_type_prefixed_binary_frames()
    {
        await using var socket = await OpenAsync("/test");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        await socket.SendAsync($"451-/test,[\"echo\",{Placeholder}]");
        await socket.SendAsync(new byte[] { 4, 1, 2, 3 });
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo($"451-/test,[\"echo\",{Placeholder}]"));
        Assert.That((await socket.ReceiveAsync()).Binary, Is.EqualTo(new byte[] { 4, 1, 2, 3 }));
    }

    [Test]
    public async Task A_binary_ack_over_websocket_travels_as_type_prefixed_binary_frames()
    {
        await using var socket = await OpenAsync("/test");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        await socket.SendAsync($"451-/test,9[\"echo-ack\",{Placeholder}]");
        await socket.SendAsync(new byte[] { 4, 7, 8 });
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo($"461-/test,9[{Placeholder}]"));
        Assert.That((await socket.ReceiveAsync()).Binary, Is.EqualTo(new byte[] { 4, 7, 8 }));
    }

    [Test]
    public async Task A_binary_event_over_b64_polling_travels_as_base64_packets()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", "&b64=1");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "40/test,");
        var packets = new List<string>();
        while (!packets.Contains(Greeting))
        {
            packets.AddRange(await http.PollAsync(sid));
        }
        await http.SendAsync(sid, $"451-/test,[\"echo\",{Placeholder}]", "b4AQID");
        Assert.That(await http.PollAsync(sid), Is.EqualTo(new[] { $"451-/test,[\"echo\",{Placeholder}]", "b4AQID" }));
    }

    [Test]
    public async Task A_binary_event_over_XHR2_polling_comes_back_in_the_binary_form()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", "");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "40/test,");
        var packets = new List<string>();
        while (!packets.Contains(Greeting))
        {
            packets.AddRange(await http.PollAsync(sid));
        }
        var post = await http.PostAsync(sid, V3Payload.EncodeBinary(BinaryRecord.Text($"451-/test,[\"echo\",{Placeholder}]"), BinaryRecord.Binary(4, 1, 2, 3)), "application/octet-stream");
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());
        var poll = await http.GetAsync(sid);
        Assert.That(poll.ContentType, Is.EqualTo("application/octet-stream"));
        Assert.That(V3Payload.DecodeBinary(poll.Body).Select(r => r.ToString()),
            Is.EqualTo(new[] { $"451-/test,[\"echo\",{Placeholder}]", "<binary 04010203>" }));
    }

    [Test]
    public async Task One_broadcast_reaches_an_EIO3_and_an_EIO4_client_of_the_same_namespace()
    {
        await using var v3 = await OpenAsync("/test");
        Assert.That((await v3.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        var (v4, answer) = await RawSocketIo.ConnectAsync(_server, "/test");
        await using var _ = v4;
        Assert.That(answer, Does.StartWith("40/test,{\"sid\":"));
        Assert.That(await v4.ReceiveTextSkippingPingsAsync(), Is.EqualTo(Greeting));

        await v4.SendAsync("42/test,[\"my broadcast event\",{\"data\":\"to all\"}]");
        const string expected = "42/test,[\"my response\",{\"data\":\"to all\"}]";
        Assert.That(await v4.ReceiveTextSkippingPingsAsync(), Is.EqualTo(expected));
        Assert.That((await v3.ReceiveAsync()).Text, Is.EqualTo(expected));
    }

    [Test]
    public async Task One_binary_broadcast_is_framed_for_each_revision()
    {
        await using var v3 = await OpenAsync("/test");
        Assert.That((await v3.ReceiveAsync()).Text, Is.EqualTo(Greeting));
        var (v4, _) = await RawSocketIo.ConnectAsync(_server, "/test");
        await using var __ = v4;
        Assert.That(await v4.ReceiveTextSkippingPingsAsync(), Is.EqualTo(Greeting));

        _server.Io.Of("/test").Emit("bin", new byte[] { 1, 2, 3 });
        var header = $"451-/test,[\"bin\",{Placeholder}]";
        Assert.That(await v4.ReceiveTextSkippingPingsAsync(), Is.EqualTo(header));
        Assert.That((await v4.ReceiveAsync()).Binary, Is.EqualTo(new byte[] { 1, 2, 3 }), "v4: the bytes as they are");
        Assert.That((await v3.ReceiveAsync()).Text, Is.EqualTo(header));
        Assert.That((await v3.ReceiveAsync()).Binary, Is.EqualTo(new byte[] { 4, 1, 2, 3 }), "v3: the message type byte first");
    }
}
