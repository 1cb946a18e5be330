using System.Net;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>Speaks Engine.IO long-polling by hand over HttpClient.</summary>
public sealed class EngineHttp(string baseUrl, string path = "/engine.io/") : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Eventually.Limit };

    /// <summary>The polling URL for <paramref name="sid"/> (or for a handshake when null).</summary>
    public string PollingUrl(string? sid = null, string eio = "4") =>
        $"{baseUrl}{path}?EIO={eio}&transport=polling" + (sid is null ? "" : $"&sid={sid}");

    /// <summary>Sends a GET and returns status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string url, CancellationToken cancellation = default)
    {
        using var response = await _http.GetAsync(url, cancellation);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellation));
    }

    /// <summary>Sends a POST with a text body and returns status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string url, string body, string contentType = "text/plain;charset=UTF-8")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await _http.PostAsync(url, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens a polling session and returns its handshake JSON.</summary>
    public async Task<JObject> HandshakeAsync(string eio = "4")
    {
        var (status, body) = await GetAsync(PollingUrl(null, eio));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(body, Does.StartWith("0"));
        var end = body.IndexOf('\u001e');
        return JObject.Parse(end < 0 ? body[1..] : body[1..end]);
    }

    /// <summary>Opens a polling session and returns its sid.</summary>
    public async Task<string> OpenAsync() => (string)(await HandshakeAsync())["sid"]!;

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
