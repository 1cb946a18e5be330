using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The server's RFC 6455 framing seen from a raw TCP client: fragmented messages with control
/// frames between the fragments, frames split into one-byte TCP writes or packed several to a
/// write, and every framing error answered with the close code the reference (<c>ws</c>) sends —
/// 1002 for protocol errors, 1007 for text that is not UTF-8, 1009 for messages over
/// <c>maxHttpBufferSize</c> — followed by the end of the TCP connection. Run with the WebSocket
/// taken at the connection and with the upgrade through the ASP.NET Core pipeline.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
public sealed class WebSocketFramingTests(bool webSocketsAtConnection)
{
    private const int MaxHttpBufferSize = 10_000;

    private readonly ConcurrentDictionary<string, string> _disconnects = new();
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await StartAsync(MaxHttpBufferSize);

    /// <summary>An echo server; <paramref name="maxHttpBufferSize"/> null keeps the default limit.</summary>
    private Task<TestServer> StartAsync(long? maxHttpBufferSize) =>
        TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(options =>
            {
                options.WebSocketsAtConnection = webSocketsAtConnection;
                options.MaxHttpBufferSize = maxHttpBufferSize ?? options.MaxHttpBufferSize;
                // Far beyond the waits below: a close that comes must come from the framing, not the heartbeat.
                options.PingInterval = TimeSpan.FromMinutes(2);
            }),
            app =>
            {
                app.UseWebSockets();
                app.MapSocketIo("/socket.io", io => io.Of("/").OnConnection(socket =>
                {
                    socket.On("echo", e => socket.Emit("echo", e.Args.Cast<object?>().ToArray()));
                    socket.OnDisconnect(reason => _disconnects[socket.Id] = reason);
                }));
            });

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    /// <summary>A WebSocket connected to <c>/</c>; returns it and the Socket.IO socket id.</summary>
    private Task<(WireWebSocket Socket, string Id)> ConnectAsync() => ConnectAsync(_server);

    private static async Task<(WireWebSocket Socket, string Id)> ConnectAsync(TestServer server)
    {
        var socket = await WireWebSocket.ConnectAsync(server.Url, "/socket.io/?EIO=4&transport=websocket", null);
        Assert.That(socket.Status, Is.EqualTo(101));
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{\"sid\":"));
        await socket.SendTextAsync("40");
        var connect = (await socket.ReceiveSkippingPingsAsync()).Text;
        Assert.That(connect, Does.StartWith("40{\"sid\":"));
        return (socket, (string)JObject.Parse(connect[2..])["sid"]!);
    }

    private static string Echo(string text) => $"42[\"echo\",\"{text}\"]";

    /// <summary>Fails unless the next text frames are exactly <paramref name="expected"/>, in order.</summary>
    private static async Task ExpectTextsAsync(WireWebSocket socket, params string[] expected)
    {
        var received = new List<string>();
        foreach (var _ in expected)
        {
            var frame = await socket.ReceiveSkippingPingsAsync();
            received.Add(frame.Opcode == 1 ? frame.Text : $"<opcode {frame.Opcode}: {Convert.ToHexString(frame.Payload)}>");
        }
        Assert.That(received, Is.EqualTo(expected));
    }

    /// <summary>
    /// The server answers with a close frame carrying <paramref name="code"/>; the client answers
    /// with its own, as clients do (RFC 6455 §5.5.1), and the server then ends the TCP connection.
    /// </summary>
    private static async Task ExpectClosedWithAsync(WireWebSocket socket, int code)
    {
        await ExpectCloseFrameAsync(socket, code);
        await AnswerCloseAndExpectEndAsync(socket);
    }

    private static async Task ExpectCloseFrameAsync(WireWebSocket socket, int code)
    {
        var before = new List<WireFrame>();
        var received = await socket.ReceiveCloseAsync(before);
        Assert.That(received, Is.EqualTo(code), () => $"close code (frames before it: {string.Join(", ", before.Select(f => $"{f.Opcode}:{f.Text}"))})");
    }

    private static async Task AnswerCloseAndExpectEndAsync(WireWebSocket socket)
    {
        await socket.SendAsync(ClientFrame.CloseFrame(1000));
        await socket.ExpectEndOfStreamAsync();
    }

    // ---- messages that must get through ----

    [Test]
    public async Task A_text_message_in_three_fragments_with_a_ping_between_them_is_answered_with_a_pong_then_handled_once()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var fragments = ClientFrame.Fragments(ClientFrame.Text, Encoding.UTF8.GetBytes(Echo("in three pieces")), 3);

        await socket.SendAsync(fragments[0]);
        await socket.SendAsync(ClientFrame.PingFrame("are you there"));
        await socket.SendAsync(fragments[1]);
        await socket.SendAsync(fragments[2]);

        var pong = await socket.ReceiveSkippingPingsAsync();
        Assert.That((pong.Opcode, pong.Text), Is.EqualTo((0xA, "are you there")), "the pong echoes the ping's payload");
        await socket.SendTextAsync(Echo("after"));
        await ExpectTextsAsync(socket, Echo("in three pieces"), Echo("after"));
    }

    [Test]
    public async Task Control_frames_between_the_fragments_of_one_write_are_answered_in_place()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var fragments = ClientFrame.Fragments(ClientFrame.Text, Encoding.UTF8.GetBytes(Echo("one write")), 3);

        await socket.SendAsync(fragments[0], ClientFrame.PingFrame("p1"), fragments[1], new ClientFrame(ClientFrame.Pong, [1, 2]), fragments[2], ClientFrame.PingFrame("p2"));

        var frames = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var frame = await socket.ReceiveSkippingPingsAsync();
            frames.Add($"{frame.Opcode}:{frame.Text}");
        }
        Assert.That(frames, Is.EquivalentTo(new[] { "10:p1", "10:p2", "1:" + Echo("one write") }));
        Assert.That(frames.IndexOf("10:p1"), Is.LessThan(frames.IndexOf("10:p2")), "pongs in the order of the pings");
    }

    [Test]
    public async Task A_frame_written_one_byte_per_tcp_write_is_one_message()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendRawAsync(ClientFrame.TextFrame(Echo("byte by byte, 中文 😀")).ToBytes(), chunk: 1);
        await ExpectTextsAsync(socket, Echo("byte by byte, 中文 😀"));
    }

    [Test]
    public async Task A_fragmented_message_with_a_ping_written_one_byte_per_tcp_write_is_handled()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var fragments = ClientFrame.Fragments(ClientFrame.Text, Encoding.UTF8.GetBytes(Echo("tiny writes")), 3);
        await socket.SendRawAsync(ClientFrame.Concat(fragments[0], fragments[1], ClientFrame.PingFrame("mid"), fragments[2]), chunk: 1);
        var pong = await socket.ReceiveSkippingPingsAsync();
        Assert.That((pong.Opcode, pong.Text), Is.EqualTo((0xA, "mid")));
        await ExpectTextsAsync(socket, Echo("tiny writes"));
    }

    [Test]
    public async Task A_16_bit_length_frame_written_in_small_writes_is_one_message()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var text = new string('x', 3000);
        await socket.SendRawAsync(ClientFrame.TextFrame(Echo(text)).ToBytes(), chunk: 7);
        await ExpectTextsAsync(socket, Echo(text));
    }

    [Test]
    public async Task Several_frames_in_one_tcp_write_are_each_handled_in_order()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var texts = Enumerable.Range(1, 5).Select(i => Echo($"message {i}")).ToArray();
        await socket.SendAsync([.. texts.Select(ClientFrame.TextFrame)]);
        await ExpectTextsAsync(socket, texts);
    }

    [Test]
    public async Task A_binary_message_in_fragments_is_reassembled()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var data = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        await socket.SendTextAsync("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]");
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Binary, data, 4));

        await ExpectTextsAsync(socket, "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]");
        var attachment = await socket.ReceiveAsync();
        Assert.That(attachment.Opcode, Is.EqualTo(2));
        Assert.That(attachment.Payload, Is.EqualTo(data));
    }

    [Test]
    public async Task A_fragmented_message_whose_last_fragment_is_empty_is_handled()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(
            new ClientFrame(ClientFrame.Text, Encoding.UTF8.GetBytes(Echo("empty end"))) { Fin = false },
            new ClientFrame(ClientFrame.Continuation, []));
        await ExpectTextsAsync(socket, Echo("empty end"));
    }

    [Test]
    public async Task A_message_of_exactly_maxHttpBufferSize_bytes_is_accepted()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var text = new string('m', MaxHttpBufferSize - Echo("").Length);
        Assert.That(Encoding.UTF8.GetByteCount(Echo(text)), Is.EqualTo(MaxHttpBufferSize));
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Text, Encoding.UTF8.GetBytes(Echo(text)), 3));
        await ExpectTextsAsync(socket, Echo(text));
    }

    // ---- protocol errors: 1002 ----

    private static IEnumerable<TestCaseData> ProtocolErrors()
    {
        var text = Encoding.UTF8.GetBytes(Echo("x"));
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Text, text) { Masked = false } }).SetArgDisplayNames("unmasked frame");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Text, text) { Reserved = 4 } }).SetArgDisplayNames("RSV1 without deflate");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Text, text) { Reserved = 2 } }).SetArgDisplayNames("RSV2");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Text, text) { Reserved = 1 } }).SetArgDisplayNames("RSV3");
        yield return new TestCaseData((object)new[] { new ClientFrame(3, text) }).SetArgDisplayNames("opcode 3");
        yield return new TestCaseData((object)new[] { new ClientFrame(0xB, [1]) }).SetArgDisplayNames("opcode 0xB");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Continuation, text) }).SetArgDisplayNames("continuation without a start");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Text, text) { Fin = false }, new ClientFrame(ClientFrame.Text, text) }).SetArgDisplayNames("text frame inside a fragmented message");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Binary, [1]) { Fin = false }, new ClientFrame(ClientFrame.Binary, [2]) }).SetArgDisplayNames("binary frame inside a fragmented message");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Ping, [1]) { Fin = false } }).SetArgDisplayNames("ping with FIN=0");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Ping, new byte[126]) }).SetArgDisplayNames("ping of 126 bytes");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Close, new byte[126]) }).SetArgDisplayNames("close of 126 bytes");
        yield return new TestCaseData((object)new[] { new ClientFrame(ClientFrame.Close, [3]) }).SetArgDisplayNames("close with a 1-byte payload");
        yield return new TestCaseData((object)new[] { ClientFrame.CloseFrame(999) }).SetArgDisplayNames("close code 999");
        yield return new TestCaseData((object)new[] { ClientFrame.CloseFrame(1005) }).SetArgDisplayNames("close code 1005 on the wire");
    }

    [TestCaseSource(nameof(ProtocolErrors))]
    public async Task A_frame_against_RFC_6455_is_answered_with_close_1002_and_the_connection_ends(ClientFrame[] frames)
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(frames);
        await ExpectClosedWithAsync(socket, 1002);
    }

    [Test]
    public async Task A_protocol_error_in_the_middle_of_a_fragmented_message_is_close_1002_without_the_message()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var fragments = ClientFrame.Fragments(ClientFrame.Text, Encoding.UTF8.GetBytes(Echo("never whole")), 2);
        await socket.SendAsync(fragments[0], fragments[1] with { Masked = false });
        var before = new List<WireFrame>();
        Assert.That(await socket.ReceiveCloseAsync(before), Is.EqualTo(1002));
        Assert.That(before.Where(f => f.Opcode == 1 && f.Text != "2"), Is.Empty, "nothing was echoed");
        await AnswerCloseAndExpectEndAsync(socket);
    }

    // ---- invalid UTF-8: 1007 ----

    [TestCase(new byte[] { 0xC3 }, TestName = "{m}(truncated sequence)")]
    [TestCase(new byte[] { 0xFF }, TestName = "{m}(0xFF)")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "{m}(surrogate)")]
    [TestCase(new byte[] { 0xC0, 0xAF }, TestName = "{m}(overlong)")]
    public async Task Invalid_UTF8_in_a_text_message_is_close_1007(byte[] invalid)
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        byte[] payload = [.. Encoding.UTF8.GetBytes("42[\"echo\",\""), .. invalid, .. Encoding.UTF8.GetBytes("\"]")];
        await socket.SendAsync(new ClientFrame(ClientFrame.Text, payload));
        await ExpectClosedWithAsync(socket, 1007);
    }

    [Test]
    public async Task Invalid_UTF8_split_across_fragments_is_close_1007()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        byte[] payload = [.. Encoding.UTF8.GetBytes("42[\"echo\",\"a"), 0xE4, 0xB8, .. Encoding.UTF8.GetBytes("\"]")];
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Text, payload, 3));
        await ExpectClosedWithAsync(socket, 1007);
    }

    [Test]
    public async Task A_valid_UTF8_character_split_across_fragments_is_accepted()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var bytes = Encoding.UTF8.GetBytes(Echo("😀😀😀"));
        // Cut inside the four-byte sequences.
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Text, bytes, 5));
        await ExpectTextsAsync(socket, Echo("😀😀😀"));
    }

    // ---- too large: 1009 ----

    [Test]
    public async Task A_message_over_maxHttpBufferSize_in_one_frame_is_close_1009()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(ClientFrame.TextFrame(Echo(new string('a', MaxHttpBufferSize))));
        await ExpectClosedWithAsync(socket, 1009);
    }

    [Test]
    public async Task A_message_over_maxHttpBufferSize_in_many_small_fragments_is_close_1009()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        var payload = Encoding.UTF8.GetBytes(Echo(new string('a', MaxHttpBufferSize)));
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Text, payload, payload.Length / 100));
        await ExpectClosedWithAsync(socket, 1009);
    }

    [Test]
    public async Task A_binary_message_over_maxHttpBufferSize_in_fragments_is_close_1009()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendTextAsync("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]");
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Binary, new byte[MaxHttpBufferSize + 1], 50));
        await ExpectClosedWithAsync(socket, 1009);
    }

    [Test]
    public async Task Two_MB_in_64_KB_fragments_against_the_default_limit_all_go_out_and_close_1009_reaches_the_client()
    {
        // As reported with a ws client: the default limit (1 MB), and a client still writing when
        // the server has had enough. If the server lets go of the connection with input unread, the
        // kernel resets it: the client's writes fail and its 1009 is destroyed unread (ws: 1006).
        await using var server = await StartAsync(maxHttpBufferSize: null);
        var (socket, _) = await ConnectAsync(server);
        await using var _ = socket;
        var payload = Encoding.UTF8.GetBytes(Echo(new string('a', 2 * 1024 * 1024)));
        var closeFrame = ExpectCloseFrameAsync(socket, 1009);
        await socket.SendAsync(ClientFrame.Fragments(ClientFrame.Text, payload, payload.Length / (64 * 1024)));
        await closeFrame;
        await AnswerCloseAndExpectEndAsync(socket);
    }

    [TestCase(1L << 62)]
    [TestCase(1L << 32)]
    [TestCase(MaxHttpBufferSize + 1L)]
    public async Task A_header_announcing_more_than_maxHttpBufferSize_is_close_1009_before_any_payload(long declared)
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        // Only the header and a few bytes: the server must not wait for the rest (nor for the heartbeat).
        await socket.SendAsync(new ClientFrame(ClientFrame.Text, Encoding.UTF8.GetBytes("42")) { DeclaredLength = declared });
        await ExpectClosedWithAsync(socket, 1009);
    }

    [Test]
    public async Task A_continuation_announcing_more_than_the_rest_of_maxHttpBufferSize_is_close_1009_before_its_payload()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(
            new ClientFrame(ClientFrame.Text, Encoding.UTF8.GetBytes("42[\"echo\",\"")) { Fin = false },
            new ClientFrame(ClientFrame.Continuation, [(byte)'a']) { DeclaredLength = 1L << 62 });
        await ExpectClosedWithAsync(socket, 1009);
    }

    // ---- closing ----

    [Test]
    public async Task A_client_close_1000_is_answered_with_a_close_frame_then_the_connection_ends_with_transport_close()
    {
        var (socket, id) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(ClientFrame.CloseFrame(1000, "bye"));
        await ExpectClosedWithAsync(socket, 1000);
        await Eventually.True(() => _disconnects.ContainsKey(id), "the socket disconnected");
        Assert.That(_disconnects[id], Is.EqualTo("transport close"));
    }

    [Test]
    public async Task A_client_leaving_the_namespace_then_closing_gives_client_namespace_disconnect()
    {
        var (socket, id) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendTextAsync("41");
        await Eventually.True(() => _disconnects.ContainsKey(id), "the socket disconnected");
        Assert.That(_disconnects[id], Is.EqualTo("client namespace disconnect"));
        await socket.SendAsync(ClientFrame.CloseFrame(1000));
        await ExpectClosedWithAsync(socket, 1000);
    }

    [Test]
    public async Task A_close_frame_split_over_tiny_writes_is_answered()
    {
        var (socket, id) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendRawAsync(ClientFrame.CloseFrame(1000, "tiny").ToBytes(), chunk: 1);
        await ExpectClosedWithAsync(socket, 1000);
        await Eventually.True(() => _disconnects.ContainsKey(id), "the socket disconnected");
        Assert.That(_disconnects[id], Is.EqualTo("transport close"));
    }

    [TestCase(1001)]
    [TestCase(4000)]
    public async Task A_client_close_code_is_echoed_in_the_servers_close_frame(int code)
    {
        // ws answers a close with the code it received (RFC 6455 §5.5.1: the endpoint "typically echoes" it).
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(ClientFrame.CloseFrame(code));
        await ExpectClosedWithAsync(socket, code);
    }

    [Test]
    public async Task A_client_close_without_a_code_is_answered_with_a_close_without_a_code()
    {
        // ws answers an empty close frame with an empty one (it concludes with 1005, which is never sent).
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(new ClientFrame(ClientFrame.Close, []));
        await ExpectClosedWithAsync(socket, -1);
    }

    [Test]
    public async Task A_client_close_whose_reason_is_not_UTF8_is_close_1007()
    {
        var (socket, _) = await ConnectAsync();
        await using var _ = socket;
        await socket.SendAsync(new ClientFrame(ClientFrame.Close, [0x03, 0xE8, 0xC3]));
        await ExpectClosedWithAsync(socket, 1007);
    }
}
