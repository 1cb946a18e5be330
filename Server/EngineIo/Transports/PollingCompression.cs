using System.IO.Compression;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace SocketIoChat.EngineIo.Transports;

/// <summary>
/// gzip or deflate for polling responses (Node's <c>httpCompression</c>): done here rather than by
/// the response compression middleware so the threshold and the per-message <c>compress</c> flag
/// decide, as on the reference.
/// </summary>
internal static class PollingCompression
{
    /// <summary>
    /// The encoding the client prefers among gzip and deflate (highest q-value; on a tie, the one
    /// it lists first), or null when it accepts neither.
    /// </summary>
    public static string? ChooseEncoding(StringValues acceptEncoding)
    {
        if (!StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var values))
        {
            return null;
        }
        string? best = null;
        var bestQuality = 0.0;
        double? wildcard = null;
        foreach (var value in values)
        {
            var name = value.Value.Value;
            var quality = value.Quality ?? 1.0;
            if (name == "*")
            {
                wildcard ??= quality;
                continue;
            }
            var known = string.Equals(name, "gzip", StringComparison.OrdinalIgnoreCase) ? "gzip"
                : string.Equals(name, "deflate", StringComparison.OrdinalIgnoreCase) ? "deflate"
                : null;
            if (known is not null && quality > bestQuality)
            {
                best = known;
                bestQuality = quality;
            }
        }
        if (best is null && wildcard > 0)
        {
            return "gzip";
        }
        return best;
    }

    /// <summary>
    /// Compresses <paramref name="body"/> with <paramref name="encoding"/> ("gzip", or "deflate", which
    /// in HTTP means the zlib format). Optimal is zlib's default level, the reference's too.
    /// </summary>
    public static byte[] Compress(ReadOnlySpan<byte> body, string encoding)
    {
        var output = new MemoryStream(body.Length / 2 + 64);
        using (Stream compressor = encoding == "gzip"
            ? new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)
            : new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(body);
        }
        return output.ToArray();
    }

    /// <summary>
    /// Whether a polling answer of <paramref name="length"/> bytes made of <paramref name="messages"/>
    /// should be compressed: the option is on, the body reaches the threshold, and some message allows it.
    /// </summary>
    public static bool Applies(HttpCompressionOptions? options, long length, IReadOnlyList<EngineMessage> messages)
    {
        if (options is null || length < options.Threshold)
        {
            return false;
        }
        foreach (var message in messages)
        {
            if (message.Compress)
            {
                return true;
            }
        }
        return false;
    }
}
