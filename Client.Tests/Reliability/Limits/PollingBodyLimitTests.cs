using System.Net.Sockets;
using System.Text;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Limits;

/// <summary>
/// A polling POST is acknowledged (<c>200 ok</c>) only for a body that arrived whole and within
/// <c>MaxHttpBufferSize</c> (1,000,000 bytes in the host): a Content-Length over the limit is refused
/// with 413 from the header, and a body shorter than its Content-Length is never acknowledged.
/// </summary>
public sealed class PollingBodyLimitTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("default");

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    /// <summary>Sends a POST head (and <paramref name="body"/>) on a raw connection that stays open; returns what came back until the server closed or answered.</summary>
    private async Task<string> PostRawAsync(long contentLength, byte[] body)
    {
        using var http = new EngineHttp(_server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        var uri = new Uri(http.PollingUrl(sid));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        var head = $"POST {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        // Whatever the server answers, it answers once the head (or its body timeout) decides; the
        // connection is left open from our side so that nothing ends the body but the server.
        var received = new byte[4096];
        var length = 0;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (length < received.Length && !Encoding.ASCII.GetString(received, 0, length).Contains("\r\n\r\n"))
            {
                var read = await stream.ReadAsync(received.AsMemory(length), limit.Token);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
        }
        catch (IOException)
        {
            // Reset by the server: what was read so far is the answer.
        }
        return Encoding.ASCII.GetString(received, 0, length);
    }

    [Test]
    public async Task A_content_length_over_the_limit_is_refused_with_413_before_any_body()
    {
        var answer = await PostRawAsync(100_000_000, []);
        Assert.That(answer, Does.StartWith("HTTP/1.1 413"));
    }

    [Test]
    public async Task A_body_shorter_than_its_content_length_is_never_acknowledged()
    {
        var answer = await PostRawAsync(100, Encoding.ASCII.GetBytes("42[\"a\"]"));
        Assert.That(answer, Does.Not.StartWith("HTTP/1.1 200"), "a body that never arrived whole was acknowledged");
    }
}
