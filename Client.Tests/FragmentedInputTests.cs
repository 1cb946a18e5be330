using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>Input that arrives one byte at a time decodes exactly as input that arrives whole.</summary>
public sealed class FragmentedInputTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("default");

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task A_websocket_message_sent_as_one_byte_frames_is_one_packet()
    {
        var (socket, _) = await RawSocketIo.ConnectAsync(_server, "/test");
        await using var _ = socket;
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Does.Contain("Connected"));

        var bytes = Encoding.UTF8.GetBytes("42/test,[\"my event\",{\"data\":\"中文 😀 in pieces\"}]");
        for (var i = 0; i < bytes.Length; i++)
        {
            await socket.Socket.SendAsync(bytes.AsMemory(i, 1), WebSocketMessageType.Text, i == bytes.Length - 1, CancellationToken.None);
        }
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("42/test,[\"my response\",{\"data\":\"中文 😀 in pieces\"}]"));
    }

    [Test]
    public async Task A_binary_attachment_sent_as_one_byte_frames_is_reassembled()
    {
        var (socket, _) = await RawSocketIo.ConnectAsync(_server, "/test");
        await using var _ = socket;
        await socket.ReceiveTextSkippingPingsAsync();
        await socket.SendAsync("451-/test,[\"echo\",{\"_placeholder\":true,\"num\":0}]");
        var payload = new byte[] { 9, 8, 7, 6, 5 };
        for (var i = 0; i < payload.Length; i++)
        {
            await socket.Socket.SendAsync(payload.AsMemory(i, 1), WebSocketMessageType.Binary, i == payload.Length - 1, CancellationToken.None);
        }
        Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("451-/test,[\"echo\",{\"_placeholder\":true,\"num\":0}]"));
        Assert.That((await socket.ReceiveAsync()).Binary, Is.EqualTo(payload));
    }

    [Test]
    public async Task A_polling_body_trickled_one_byte_at_a_time_is_decoded_whole()
    {
        using var http = new EngineHttp(_server.Url, "/socket.io/");
        var sid = await http.OpenAsync();
        var body = Encoding.UTF8.GetBytes("40/test,\u001e42/test,[\"my event\",{\"data\":\"é\"}]");
        var uri = new Uri(http.PollingUrl(sid));

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        var head = $"POST {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        foreach (var b in body)
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
            await Task.Delay(2); // let each byte travel on its own
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().Within();
        Assert.That(response, Does.StartWith("HTTP/1.1 200").And.EndWith("ok"));

        var received = new StringBuilder();
        while (!received.ToString().Contains("\"é\""))
        {
            var (_, poll) = await http.GetAsync(http.PollingUrl(sid));
            received.Append(poll).Append('|');
        }
        Assert.That(received.ToString(), Does.Contain("42/test,[\"my response\",{\"data\":\"Connected\"}]")
            .And.Contain("42/test,[\"my response\",{\"data\":\"é\"}]"));
    }
}
