using System.Net;
using System.Text;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Non-ASCII text over EIO=3 polling for both client generations. socket.io-client 1.x
/// (engine.io-parser 1.x) UTF-8-encodes text into one character per byte and the browser encodes
/// that again; the server must read the real text and answer such a client the same way.
/// socket.io-client 2.x sends real UTF-8 and must get it back unchanged.
/// </summary>
public sealed class EngineV3NonAsciiTextTests
{
    private const string Text = "中文 😀";

    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        // A 1.x client that never joins a namespace sends no CONNECT: only its text tells its generation.
        _server.Io.Sockets.OnConnection(socket => socket.On("echo", e => socket.Emit("echo", e.Args.Cast<object?>().ToArray())));
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    /// <summary>Polls until a packet starting with <paramref name="prefix"/> arrives; returns it.</summary>
    private static async Task<string> PollForAsync(Func<Task<List<string>>> poll, string prefix)
    {
        var seen = new List<string>();
        while (true)
        {
            foreach (var packet in await poll())
            {
                if (packet.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return packet;
                }
                seen.Add(packet);
            }
            Assert.That(seen, Has.Count.LessThan(20), $"no {prefix} among {string.Join(" | ", seen)}");
        }
    }

    /// <summary>A poll of a 1.x b64 session: text form, every packet's characters are UTF-8 bytes.</summary>
    private static Func<Task<List<string>>> DoubleEncodedTextPoll(V3Polling http, string sid) => async () =>
    {
        var answer = await http.GetAsync(sid);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.ContentType, Does.StartWith("text/plain"));
        return V3Payload.Decode(answer.Text).Select(V3Payload.CharsAsUtf8).ToList();
    };

    [Test]
    public async Task A_1x_b64_client_sending_text_encoded_twice_is_understood_and_answered_encoded_twice()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", "&b64=1");
        var (sid, _) = await http.OpenAsync();
        // socket.io-parser 2.x (client 1.x) writes a namespace CONNECT without the trailing comma.
        var post = await http.PostAsync(sid, V3Payload.Encode(
            V3Payload.Utf8AsChars("40/test"),
            V3Payload.Utf8AsChars($"42/test,[\"my event\",{{\"data\":\"{Text}\"}}]")));
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());

        var answer = await PollForAsync(DoubleEncodedTextPoll(http, sid), "42/test,[\"my response\",{\"data\":\"中");
        Assert.That(answer, Is.EqualTo($"42/test,[\"my response\",{{\"data\":\"{Text}\"}}]"));
    }

    [Test]
    public async Task A_1x_XHR2_client_sending_text_encoded_twice_gets_plain_UTF8_bytes_in_the_binary_form()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", "");
        var (sid, _) = await http.OpenAsync();
        var post = await http.PostAsync(sid, V3Payload.Encode(
            V3Payload.Utf8AsChars("40/test"),
            V3Payload.Utf8AsChars($"42/test,[\"my event\",{{\"data\":\"{Text}\"}}]")));
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());

        var expected = $"42/test,[\"my response\",{{\"data\":\"{Text}\"}}]";
        byte[]? record = null;
        await PollForAsync(async () =>
        {
            var answer = await http.GetAsync(sid);
            Assert.That(answer.ContentType, Is.EqualTo("application/octet-stream"), answer.ToString());
            var records = V3Payload.DecodeBinary(answer.Body);
            Assert.That(records.All(r => !r.IsBinary), Is.True);
            record ??= records.FirstOrDefault(r => Encoding.UTF8.GetString(r.Data) == expected)?.Data;
            return records.Select(r => Encoding.UTF8.GetString(r.Data)).ToList();
        }, "42/test,[\"my response\",{\"data\":\"中");
        // engine.io-parser 1.x reads binary-form text records as UTF-8 once, so they hold the plain bytes.
        Assert.That(record, Is.EqualTo(Encoding.UTF8.GetBytes(expected)), "the answer, as plain UTF-8");
    }

    [Test]
    public async Task A_1x_client_in_the_main_namespace_is_recognised_by_its_doubly_encoded_text_alone()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", "&b64=1");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, V3Payload.Utf8AsChars($"42[\"echo\",\"{Text}\"]"));
        var answer = await PollForAsync(DoubleEncodedTextPoll(http, sid), "42[\"echo\"");
        Assert.That(answer, Is.EqualTo($"42[\"echo\",\"{Text}\"]"));
    }

    [TestCase("&b64=1")]
    [TestCase("")]
    public async Task A_2x_client_round_trips_non_ASCII_text_unchanged(string query)
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", query);
        var (sid, _) = await http.OpenAsync();
        // socket.io-parser 3.x (client 2.x) ends the namespace with a comma and sends real UTF-8.
        await http.SendAsync(sid, "40/test,", $"42/test,[\"my event\",{{\"data\":\"{Text}\"}}]");
        var answer = await PollForAsync(() => http.PollAsync(sid), "42/test,[\"my response\",{\"data\":\"中");
        Assert.That(answer, Is.EqualTo($"42/test,[\"my response\",{{\"data\":\"{Text}\"}}]"));
    }

    [Test]
    public async Task A_2x_client_in_the_main_namespace_round_trips_non_ASCII_text_unchanged()
    {
        using var http = new V3Polling(_server.Url, "/socket.io/", "&b64=1");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, $"42[\"echo\",\"{Text} é\"]");
        var answer = await PollForAsync(() => http.PollAsync(sid), "42[\"echo\"");
        Assert.That(answer, Is.EqualTo($"42[\"echo\",\"{Text} é\"]"));
    }
}
