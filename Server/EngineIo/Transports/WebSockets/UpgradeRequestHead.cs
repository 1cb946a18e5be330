using System.Text;
using Microsoft.AspNetCore.Http;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>What the first bytes of a connection say about taking it before HTTP.</summary>
internal enum HeadVerdict
{
    /// <summary>Could still be a WebSocket upgrade for an Engine.IO path: read more.</summary>
    NeedMore,

    /// <summary>Anything else: HTTP gets the connection untouched.</summary>
    NotOurs,

    /// <summary>A well-formed HTTP/1.1 WebSocket upgrade to an Engine.IO path.</summary>
    Ours,
}

/// <summary>
/// The head of an HTTP/1.1 WebSocket upgrade request, read from a connection's first bytes. Only a
/// plain, well-formed request is taken (GET, HTTP/1.1, ASCII, no body, no percent-encoded path, the
/// RFC 6455 §4.1 headers); whatever is unusual goes to Kestrel's HTTP parser, which answers it as
/// for any request.
/// </summary>
internal sealed class UpgradeRequestHead
{
    /// <summary>Requests with longer heads are left to HTTP (Kestrel allows 32 KB of headers).</summary>
    public const int MaxLength = 16 * 1024;

    private UpgradeRequestHead(EngineServer server, string path, string query, IHeaderDictionary headers, int length)
    {
        Server = server;
        Path = path;
        QueryString = query;
        Headers = headers;
        Length = length;
    }

    /// <summary>The Engine.IO server mapped at the request's path.</summary>
    public EngineServer Server { get; }

    public string Path { get; }

    /// <summary>The query with its leading <c>?</c>, or empty.</summary>
    public string QueryString { get; }

    public IHeaderDictionary Headers { get; }

    /// <summary>Bytes of the head, blank line included.</summary>
    public int Length { get; }

    /// <summary>Reads the head from <paramref name="data"/>, the connection's first bytes.</summary>
    public static HeadVerdict TryRead(ReadOnlySpan<byte> data, Func<string, EngineServer?> findServer, out UpgradeRequestHead? head)
    {
        head = null;
        var get = "GET "u8;
        if (!data[..Math.Min(data.Length, get.Length)].SequenceEqual(get[..Math.Min(data.Length, get.Length)]))
        {
            return HeadVerdict.NotOurs;
        }
        var lineEnd = data.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return data.Length > MaxLength ? HeadVerdict.NotOurs : HeadVerdict.NeedMore;
        }
        var line = data[get.Length..lineEnd];
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || !line[(space + 1)..].SequenceEqual("HTTP/1.1"u8))
        {
            return HeadVerdict.NotOurs;
        }
        var target = line[..space];
        var question = target.IndexOf((byte)'?');
        var pathBytes = question < 0 ? target : target[..question];
        if (pathBytes[0] != (byte)'/' || pathBytes.Contains((byte)'%') || !IsPlainAscii(target))
        {
            return HeadVerdict.NotOurs;
        }
        var path = Encoding.ASCII.GetString(pathBytes);
        if (findServer(path) is not { } server)
        {
            return HeadVerdict.NotOurs;
        }
        var headEnd = data.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return data.Length > MaxLength ? HeadVerdict.NotOurs : HeadVerdict.NeedMore;
        }
        IHeaderDictionary headers = new HeaderDictionary();
        var fields = data[(lineEnd + 2)..(headEnd + 2)];
        while (!fields.IsEmpty)
        {
            var end = fields.IndexOf("\r\n"u8);
            var field = fields[..end];
            fields = fields[(end + 2)..];
            var colon = field.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(field[..colon]) || !IsPlainAscii(field[(colon + 1)..]))
            {
                return HeadVerdict.NotOurs;
            }
            var name = Known(field[..colon], KnownNames);
            var value = Known(field[(colon + 1)..].Trim(" \t"u8), KnownValues);
            headers.Append(name, value);
        }
        if (headers.Host.Count != 1
            || headers.ContainsKey("Content-Length") || headers.ContainsKey("Transfer-Encoding")
            || !HasToken(headers.Upgrade, "websocket") || !HasToken(headers.Connection, "upgrade")
            || headers.SecWebSocketKey.ToString().Length == 0 || headers.SecWebSocketVersion.ToString() != "13")
        {
            return HeadVerdict.NotOurs;
        }
        var query = question < 0 ? "" : Encoding.ASCII.GetString(target[question..]);
        head = new UpgradeRequestHead(server, path, query, headers, headEnd + 4);
        return HeadVerdict.Ours;
    }

    // Every session keeps its handshake's headers: the usual names and values are shared strings.
    private static readonly string[] KnownNames =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
        "Origin", "User-Agent", "Accept-Encoding", "Accept-Language", "Cache-Control", "Pragma", "Cookie",
    ];

    private static readonly string[] KnownValues =
    [
        "websocket", "Upgrade", "13", "permessage-deflate; client_max_window_bits", "no-cache", "gzip, deflate, br, zstd", "gzip, deflate, br",
    ];

    private static string Known(ReadOnlySpan<byte> ascii, string[] known)
    {
        foreach (var candidate in known)
        {
            if (candidate.Length == ascii.Length && Ascii.Equals(ascii, candidate))
            {
                return candidate;
            }
        }
        return Encoding.ASCII.GetString(ascii);
    }

    private static bool HasToken(Microsoft.Extensions.Primitives.StringValues values, string token)
    {
        foreach (var value in values)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    // Visible ASCII, space and tab only: anything else is for Kestrel's parser to judge.
    private static bool IsPlainAscii(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b is not (>= 0x20 and <= 0x7E or (byte)'\t'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (b <= 0x20 || b >= 0x7F || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }
        return true;
    }
}
