using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SocketIoChat.LoadGenerator;

/// <summary>One Socket.IO v5 client over HTTP long-polling (no upgrade).</summary>
internal sealed class PollingPeer(HttpClient http, Uri server)
{
    private static readonly MediaTypeHeaderValue TextPlain = MediaTypeHeaderValue.Parse("text/plain;charset=UTF-8");
    private string _url = "";

    public async Task ConnectAsync(string nsp, CancellationToken cancellation)
    {
        var open = await http.GetStringAsync($"http://{server.Authority}/socket.io/?EIO=4&transport=polling", cancellation);
        var sid = JsonDocument.Parse(open[1..]).RootElement.GetProperty("sid").GetString();
        _url = $"http://{server.Authority}/socket.io/?EIO=4&transport=polling&sid={sid}";
        await PostAsync(WsPeer.ConnectPayload(nsp), cancellation);
        await PollUntilAsync("40", cancellation);
    }

    public async Task PostAsync(byte[] body, CancellationToken cancellation)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = TextPlain;
        using var response = await http.PostAsync(_url, content, cancellation);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Polls (answering pings) until a packet starting with <paramref name="prefix"/> arrives.</summary>
    public async Task PollUntilAsync(string prefix, CancellationToken cancellation)
    {
        while (true)
        {
            var payload = await http.GetStringAsync(_url, cancellation);
            var found = false;
            foreach (var packet in payload.Split('\u001e'))
            {
                if (packet == "2")
                {
                    await PostAsync("3"u8.ToArray(), cancellation);
                }
                else if (packet.StartsWith(prefix, StringComparison.Ordinal))
                {
                    found = true;
                }
                else if (packet == "1")
                {
                    throw new InvalidOperationException("session closed by the server");
                }
            }
            if (found)
            {
                return;
            }
        }
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
