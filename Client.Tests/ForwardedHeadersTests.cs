using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Behind a reverse proxy: with forwarded headers configured, <c>Handshake.Address</c> is the
/// client's on both transports, including WebSockets taken at the connection (which skip the
/// request pipeline and its <c>UseForwardedHeaders</c>); without, the header changes nothing.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Client = "203.0.113.7";

    [Test]
    public async Task A_WebSocket_taken_at_the_connection_gets_the_forwarded_client_address_and_scheme()
    {
        await using var server = await StartAsync(forwarding: true);

        var (address, secure) = await AddressOverWebSocketAsync(server, Client);

        Assert.That(address, Is.EqualTo(Client));
        Assert.That(secure, Is.True, "X-Forwarded-Proto: https");
    }

    [Test]
    public async Task Polling_gets_the_forwarded_client_address_through_the_pipeline()
    {
        await using var server = await StartAsync(forwarding: true);
        using var http = new HttpClient();
        var open = await SendAsync(http, HttpMethod.Get, server.Url + "/socket.io/?EIO=4&transport=polling");
        var sid = Newtonsoft.Json.Linq.JObject.Parse(open[1..])["sid"]!.ToString();
        var url = server.Url + $"/socket.io/?EIO=4&transport=polling&sid={sid}";

        await SendAsync(http, HttpMethod.Post, url, "40");

        var answer = "";
        await Eventually.Until(async () => answer += await SendAsync(http, HttpMethod.Get, url), a => a.Contains("address", StringComparison.Ordinal), "the address event");
        Assert.That(answer, Does.Contain($"[\"address\",\"{Client}\",true]"));
    }

    [Test]
    public async Task Without_forwarded_headers_configured_the_header_is_ignored()
    {
        await using var server = await StartAsync(forwarding: false);

        var (address, secure) = await AddressOverWebSocketAsync(server, Client);

        Assert.That(address, Is.EqualTo("127.0.0.1"), "a client cannot choose its own address");
        Assert.That(secure, Is.False);
    }

    private static Task<TestServer> StartAsync(bool forwarding) =>
        TestServer.StartLibraryAsync(
            builder =>
            {
                builder.Services.AddSocketIo(o => o.WebSocketsAtConnection = true);
                if (forwarding)
                {
                    // The documented way: options through DI (loopback is a known proxy by default).
                    builder.Services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
                }
            },
            app =>
            {
                if (forwarding)
                {
                    app.UseForwardedHeaders();
                }
                app.MapSocketIo(configure: io => io.Sockets.OnConnection(socket =>
                    socket.Emit("address", socket.Handshake.Address, socket.Handshake.Secure)));
            });

    private static async Task<(string Address, bool Secure)> AddressOverWebSocketAsync(TestServer server, string forwardedFor)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-Forwarded-For", forwardedFor);
        ws.Options.SetRequestHeader("X-Forwarded-Proto", "https");
        using var limit = new CancellationTokenSource(Eventually.Limit);
        await ws.ConnectAsync(new Uri(server.WsUrl + "/socket.io/?EIO=4&transport=websocket"), limit.Token);
        Assert.That(await ReceiveAsync(ws, limit.Token), Does.StartWith("0{"));
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, limit.Token);
        Assert.That(await ReceiveAsync(ws, limit.Token), Does.StartWith("40{"));
        var text = await ReceiveAsync(ws, limit.Token);
        var args = Newtonsoft.Json.Linq.JArray.Parse(text[2..]);
        Assert.That((string?)args[0], Is.EqualTo("address"));
        return ((string)args[1]!, (bool)args[2]!);
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket ws, CancellationToken cancellation)
    {
        var buffer = new byte[4096];
        var result = await ws.ReceiveAsync(buffer, cancellation);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static async Task<string> SendAsync(HttpClient http, HttpMethod method, string url, string? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-Forwarded-For", Client);
        request.Headers.Add("X-Forwarded-Proto", "https");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
