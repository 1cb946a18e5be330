using System.Net;
using System.Text;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// JavaScript strings may hold half a surrogate pair (<c>"ab😀".slice(0, 3)</c>); socket.io-client
/// sends it as a <c>\uD83D</c> escape and the reference accepts it, and writes it back the way
/// <c>JSON.stringify</c> does. A packet carrying one must not cost the client its connection.
/// </summary>
public sealed class LoneSurrogateTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("default");

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [TestCase("ab\\ud83d", TestName = "A lone high surrogate")]
    [TestCase("\\ude00cd", TestName = "A lone low surrogate")]
    [TestCase("x\\ude00\\ud83dy", TestName = "A reversed pair")]
    public async Task An_event_with_a_lone_surrogate_is_echoed_over_websocket_and_the_connection_stays(string escaped)
    {
        var (socket, _) = await RawSocketIo.ConnectAsync(_server, "/test");
        await using var _ = socket;
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Does.Contain("Connected"));

        await socket.SendAsync("42/test,[\"my event\",{\"data\":\"" + escaped + "\"}]");
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("42/test,[\"my response\",{\"data\":\"" + escaped + "\"}]"));

        // Still connected: the next event is answered too.
        await socket.SendAsync("42/test,[\"my event\",{\"data\":\"after\"}]");
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("42/test,[\"my response\",{\"data\":\"after\"}]"));
    }

    [Test]
    public async Task An_event_with_a_lone_surrogate_is_echoed_over_polling()
    {
        using var http = new EngineHttp(_server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        var url = http.PollingUrl(sid);
        Assert.That((await http.PostAsync(url, "40/test,")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await http.GetAsync(url)).Body, Does.Contain("Connected"));

        Assert.That((await http.PostAsync(url, "42/test,[\"my event\",{\"data\":\"ab\\ud83d\"}]")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await http.GetAsync(url)).Body, Is.EqualTo("42/test,[\"my response\",{\"data\":\"ab\\ud83d\"}]"));
    }

    [Test]
    public void The_parser_keeps_the_lone_surrogate_as_a_UTF16_code_unit()
    {
        Assert.That(SocketIoChat.SocketIo.Protocol.SocketPacketParser.TryParseJson(Encoding.UTF8.GetBytes("[\"ab\\ud83d\",{\"k\\udc00\":\"\\n\\u0041\\\"\"}]"), out var token), Is.True);
        var array = (JArray)token!;
        Assert.That((string)array[0]!, Is.EqualTo("ab\ud83d"));
        Assert.That((string)array[1]!["k\udc00"]!, Is.EqualTo("\nA\""));
    }
}
