using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Limits;

/// <summary>
/// Slowloris: connections that send nothing, or drip a request head a header at a time, are ended
/// by Kestrel's own clocks (keep-alive and request headers timeouts, set short here) whichever
/// path looks at them first, the Engine.IO connection middleware or HTTP; a normal client is
/// served meanwhile.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class SlowlorisTests(bool webSocketsAtConnection)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Test]
    public async Task Silent_and_dripping_connections_are_closed_by_the_server_while_a_client_is_served()
    {
        await using var server = await TestServer.StartLibraryAsync(
            builder =>
            {
                builder.WebHost.ConfigureKestrel(k =>
                {
                    k.Limits.KeepAliveTimeout = Timeout;
                    k.Limits.RequestHeadersTimeout = Timeout;
                });
                builder.Services.AddSocketIo(o => o.WebSocketsAtConnection = webSocketsAtConnection);
            },
            app => app.MapSocketIo("/socket.io", io => io.Of("/").OnConnection(socket =>
                socket.On("echo", e => socket.Emit("echo", e.Arg(0))))));

        var uri = new Uri(server.Url);
        string[] starts =
        [
            "",
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n",
            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n",
            "GET /socket.io/?EIO=4&transport=webs",
            "GET / HTTP/1.1\r\n",
        ];
        var clients = Enumerable.Range(0, 5 * starts.Length).Select(i => HoldAsync(uri, starts[i % starts.Length])).ToList();

        // Served while the slow ones wait.
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/");
        await using (socket)
        {
            Assert.That(answer, Does.StartWith("40{"));
            await socket.SendAsync("42[\"echo\",\"still here\"]");
            Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Is.EqualTo("42[\"echo\",\"still here\"]"));
        }

        // Each slow client is ended by the server (10× the limits, then the test fails).
        var ends = await Task.WhenAll(clients).Within(TimeSpan.FromSeconds(60));
        for (var i = 0; i < ends.Length; i++)
        {
            Assert.That(ends[i], Is.EqualTo("") .Or.StartWith("HTTP/1.1 408"), $"connection starting with {starts[i % starts.Length]}");
        }
    }

    /// <summary>
    /// Sends <paramref name="start"/>, then one more header line every half second, until the
    /// server closes the connection; returns what the server wrote.
    /// </summary>
    private static async Task<string> HoldAsync(Uri uri, string start)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        if (start.Length > 0)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(start));
        }
        var received = new MemoryStream();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    received.Write(buffer, 0, read);
                }
            }
            catch (IOException)
            {
                // A reset is an end too.
            }
        });
        for (var line = 0; !reading.IsCompleted && start.Length > 0; line++)
        {
            await Task.WhenAny(reading, Task.Delay(500));
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(start.EndsWith('\n') ? $"X-Drip-{line}: 1\r\n" : "o"));
            }
            catch (IOException)
            {
                break;
            }
        }
        await reading;
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
