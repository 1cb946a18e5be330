using System.IO.Compression;
using System.Net;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// <c>httpCompression</c> (gzip/deflate polling answers) and <c>perMessageDeflate</c> (WebSocket
/// compression): what is compressed on the wire, what is not, and that it decodes to what was sent.
/// </summary>
public sealed class EngineCompressionTests
{
    private static readonly string Large = "4" + new string('a', 3000);

    [TestCase("gzip, deflate", "gzip")]
    [TestCase("deflate", "deflate")]
    [TestCase("deflate;q=1, gzip;q=0.5", "deflate")]
    public async Task A_poll_over_the_threshold_is_compressed_as_the_client_accepts(string accept, string expected)
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        var (encoding, body) = await EchoOverPollingAsync(server, Large, accept);
        Assert.That(encoding, Is.EqualTo(expected));
        Assert.That(Decode(body, encoding), Is.EqualTo(Large));
    }

    [Test]
    public async Task A_poll_under_the_threshold_is_not_compressed()
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        var (encoding, body) = await EchoOverPollingAsync(server, "4" + new string('a', 500), "gzip, deflate");
        Assert.That(encoding, Is.Null);
        Assert.That(Encoding.UTF8.GetString(body), Is.EqualTo("4" + new string('a', 500)));
    }

    [Test]
    public async Task The_threshold_is_an_option()
    {
        await using var server = await EngineEcho.StartAsync(o => o.HttpCompression = new HttpCompressionOptions { Threshold = 0 });
        var (encoding, body) = await EchoOverPollingAsync(server, "4tiny", "gzip");
        Assert.That(encoding, Is.EqualTo("gzip"));
        Assert.That(Decode(body, encoding), Is.EqualTo("4tiny"));
    }

    [Test]
    public async Task Without_httpCompression_nothing_is_compressed()
    {
        await using var server = await EngineEcho.StartAsync(o => o.HttpCompression = null);
        var (encoding, body) = await EchoOverPollingAsync(server, Large, "gzip, deflate");
        Assert.That(encoding, Is.Null);
        Assert.That(Encoding.UTF8.GetString(body), Is.EqualTo(Large));
    }

    [Test]
    public async Task A_client_that_accepts_no_compression_gets_none()
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        var (encoding, body) = await EchoOverPollingAsync(server, Large, null);
        Assert.That(encoding, Is.Null);
        Assert.That(Encoding.UTF8.GetString(body), Is.EqualTo(Large));
    }

    [Test]
    public async Task A_message_sent_without_compression_is_not_compressed_on_a_poll()
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        var plain = "4plain:" + new string('b', 3000);
        var (encoding, body) = await EchoOverPollingAsync(server, plain, "gzip");
        Assert.That(encoding, Is.Null);
        Assert.That(Encoding.UTF8.GetString(body), Is.EqualTo(plain));
    }

    [Test]
    public async Task PerMessageDeflate_is_declined_unless_enabled()
    {
        await using var server = await EngineEcho.StartAsync(_ => { });
        await using var socket = await WireWebSocket.ConnectAsync(server.Url, "/engine.io/?EIO=4&transport=websocket", "permessage-deflate; client_max_window_bits");
        Assert.That(socket.Status, Is.EqualTo(101));
        Assert.That(socket.Headers.ContainsKey("sec-websocket-extensions"), Is.False);
        await socket.ReceiveAsync(); // open packet
        await socket.SendTextAsync(Large);
        var echo = await socket.ReceiveSkippingPingsAsync();
        Assert.That(echo.Compressed, Is.False);
        Assert.That(echo.Text, Is.EqualTo(Large));
    }

    [Test]
    public async Task PerMessageDeflate_compresses_messages_over_the_threshold_only()
    {
        await using var server = await EngineEcho.StartAsync(o => o.PerMessageDeflate = new PerMessageDeflateOptions());
        await using var socket = await WireWebSocket.ConnectAsync(
            server.Url, "/engine.io/?EIO=4&transport=websocket", "permessage-deflate; server_no_context_takeover; client_max_window_bits");
        Assert.That(socket.Status, Is.EqualTo(101));
        Assert.That(socket.Headers["sec-websocket-extensions"],
            Is.EqualTo("permessage-deflate; server_no_context_takeover; client_max_window_bits=15"));

        var open = await socket.ReceiveAsync();
        Assert.That(open.Compressed, Is.False, "the open packet is under the threshold");
        Assert.That(open.Text, Does.StartWith("0{\"sid\":"));

        await socket.SendTextAsync(Large);
        var large = await socket.ReceiveSkippingPingsAsync();
        Assert.That(large.Compressed, Is.True);
        Assert.That(large.Payload.Length, Is.LessThan(Large.Length / 10));
        Assert.That(large.Text, Is.EqualTo(Large));

        await socket.SendTextAsync("4small");
        var small = await socket.ReceiveSkippingPingsAsync();
        Assert.That(small.Compressed, Is.False);
        Assert.That(small.Text, Is.EqualTo("4small"));

        var plain = "4plain:" + new string('c', 3000);
        await socket.SendTextAsync(plain);
        var uncompressed = await socket.ReceiveSkippingPingsAsync();
        Assert.That(uncompressed.Compressed, Is.False, "sent without compression");
        Assert.That(uncompressed.Text, Is.EqualTo(plain));
    }

    [TestCase("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10")]
    [TestCase("permessage-deflate; server_max_window_bits=8, permessage-deflate", "permessage-deflate")]
    [TestCase("permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=12")]
    [TestCase("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover")]
    [TestCase("x-unknown, permessage-deflate; unknown_param", null)]
    public async Task PerMessageDeflate_answers_the_first_offer_it_can_honour(string offer, string? expected)
    {
        await using var server = await EngineEcho.StartAsync(o => o.PerMessageDeflate = new PerMessageDeflateOptions());
        await using var socket = await WireWebSocket.ConnectAsync(server.Url, "/engine.io/?EIO=4&transport=websocket", offer);
        Assert.That(socket.Status, Is.EqualTo(101));
        Assert.That(socket.Headers.GetValueOrDefault("sec-websocket-extensions"), Is.EqualTo(expected));
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{\"sid\":"));
    }

    [Test]
    public async Task A_node_client_negotiates_perMessageDeflate_and_large_and_small_events_round_trip()
    {
        await using var server = await TestServer.StartAsync("default", "--SocketIo:PerMessageDeflate:Threshold", "1024");
        var large = new string('x', 20_000);
        var input = new JObject { ["texts"] = new JArray(large, "small", large + "y") };
        var seen = await NodeRunner.RunJsonAsync(
            ["scenario.mjs", "socket.io-client", server.Url, "websocket", "deflate", "-"], input.ToString(Formatting.None));
        Assert.That((string?)seen["extensions"], Is.EqualTo("permessage-deflate"));
        Assert.That((bool)seen["inflated"]!, Is.True, "the client inflated a compressed message");
        Assert.That(seen["echoes"]!.ToObject<string[]>(), Is.EqualTo(new[] { large, "small", large + "y" }));
    }

    [Test]
    public async Task A_node_client_gets_uncompressed_frames_when_perMessageDeflate_is_off()
    {
        await using var server = await TestServer.StartAsync("default");
        var large = new string('x', 20_000);
        var seen = await NodeRunner.RunJsonAsync(
            ["scenario.mjs", "socket.io-client", server.Url, "websocket", "deflate", "-"],
            new JObject { ["texts"] = new JArray(large) }.ToString(Formatting.None));
        Assert.That((string?)seen["extensions"], Is.Empty);
        Assert.That(seen["echoes"]!.ToObject<string[]>(), Is.EqualTo(new[] { large }));
    }

    /// <summary>Opens a polling session, posts <paramref name="packet"/> to the echo, and polls for it.</summary>
    private static async Task<(string? Encoding, byte[] Body)> EchoOverPollingAsync(TestServer server, string packet, string? acceptEncoding)
    {
        using var http = new EngineHttp(server.Url);
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None });
        var sid = await http.OpenAsync();
        var (status, answer) = await http.PostAsync(http.PollingUrl(sid), packet);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), answer);
        using var poll = new HttpRequestMessage(HttpMethod.Get, http.PollingUrl(sid));
        if (acceptEncoding is not null)
        {
            poll.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }
        using var response = await client.SendAsync(poll);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(body.Length));
        return (response.Content.Headers.ContentEncoding.SingleOrDefault(), body);
    }

    private static string Decode(byte[] body, string? encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding == "gzip"
            ? new GZipStream(input, CompressionMode.Decompress)
            : new ZLibStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(decoder, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
