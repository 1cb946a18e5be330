using Microsoft.AspNetCore.WebUtilities;

namespace SocketIoChat.Tests.Support;

/// <summary>One Engine.IO request a browser tab made: a polling GET or POST, or a WebSocket.</summary>
/// <param name="Kind"><c>GET</c>, <c>POST</c> or <c>WebSocket</c>.</param>
/// <param name="Url">The full address, query included.</param>
/// <param name="Transport">The <c>transport</c> query value.</param>
/// <param name="Sid">The <c>sid</c> query value; null on a handshake.</param>
/// <param name="Eio">The <c>EIO</c> query value (protocol revision).</param>
public sealed record EngineIoRequest(string Kind, Uri Url, string? Transport, string? Sid, string? Eio)
{
    /// <summary>A request without a session id opens a new session.</summary>
    public bool IsHandshake => Sid is null;

    /// <inheritdoc />
    public override string ToString() => $"{Kind} transport={Transport} EIO={Eio} sid={Sid ?? "(none)"}";
}

/// <summary>Reads a tab's request log as Engine.IO traffic.</summary>
public static class EngineIoTraffic
{
    /// <summary>
    /// The tab's Engine.IO requests under <paramref name="path"/> (the Socket.IO path of the seed
    /// server), polling and WebSocket alike, in the order each kind was made.
    /// </summary>
    public static IReadOnlyList<EngineIoRequest> Of(BrowserTab tab, string path = "/socket.io/")
    {
        var polling = tab.Requests.Select(r => Parse(r.Method, r.Url, path));
        var webSockets = tab.WebSockets.Select(url => Parse("WebSocket", url, path));
        return [.. polling.Concat(webSockets).OfType<EngineIoRequest>()];
    }

    /// <summary>The traffic one line per request, for assertion messages.</summary>
    public static string Describe(IEnumerable<EngineIoRequest> traffic) =>
        "\n  " + string.Join("\n  ", traffic.Select(r => r.ToString()).DefaultIfEmpty("(no Engine.IO requests)"));

    private static EngineIoRequest? Parse(string kind, Uri url, string path)
    {
        var query = QueryHelpers.ParseQuery(url.Query);
        // Every Engine.IO request names its transport; other requests under the path (the
        // client bundle the server serves there) are not Engine.IO traffic.
        if (!url.AbsolutePath.StartsWith(path, StringComparison.Ordinal) || !query.ContainsKey("transport"))
        {
            return null;
        }
        string? Value(string name) => query.TryGetValue(name, out var value) ? value.ToString() : null;
        return new EngineIoRequest(kind, url, Value("transport"), Value("sid"), Value("EIO"));
    }
}
