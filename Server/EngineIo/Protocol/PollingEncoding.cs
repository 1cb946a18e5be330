using Microsoft.AspNetCore.Http;

namespace SocketIoChat.EngineIo.Protocol;

/// <summary>
/// How one polling client wants its payloads, fixed at the handshake (v3 only: v4 has one form):
/// base64 text (<c>b64=1</c>), JSONP (<c>j=N</c>) or the XHR2 binary form; and whether its text
/// is UTF-8-encoded twice (engine.io-client 1.x, i.e. socket.io-client 1.x).
/// </summary>
internal sealed class PollingEncoding
{
    private const int Unknown = 0, Legacy = 1, Modern = 2;

    private int _generation;

    private PollingEncoding(bool base64, string? jsonpIndex, bool alwaysBinary, int generation)
    {
        Base64 = base64;
        JsonpIndex = jsonpIndex;
        AlwaysBinary = alwaysBinary;
        _generation = generation;
    }

    /// <summary>
    /// The encoding of v4 clients, which have only one form. Shared by every v4 session, so its
    /// generation is settled from the start and <see cref="SetGeneration"/> cannot change it.
    /// </summary>
    public static PollingEncoding Default { get; } = new(false, null, false, Modern);

    /// <summary>The client cannot take binary payloads: binary packets travel as <c>b4</c> + base64.</summary>
    public bool Base64 { get; }

    /// <summary>The JSONP callback index (digits only), or null for XHR polling.</summary>
    public string? JsonpIndex { get; }

    /// <summary>
    /// engine.io-client before 1.6 (socket.io 1.3.x) reads any answer that is not
    /// <c>application/octet-stream</c> as a parse error, so it gets the binary form even for text.
    /// </summary>
    public bool AlwaysBinary { get; }

    /// <summary>Text payloads are UTF-8-encoded twice in both directions (engine.io-parser 1.x).</summary>
    public bool DoubleUtf8 => Volatile.Read(ref _generation) == Legacy;

    /// <summary>True while nothing has told which generation the client is.</summary>
    public bool GenerationUnknown => Volatile.Read(ref _generation) == Unknown;

    /// <summary>Records what was learned of the client: the first word wins, later ones are ignored.</summary>
    public void SetGeneration(bool legacy) =>
        Interlocked.CompareExchange(ref _generation, legacy ? Legacy : Modern, Unknown);

    /// <summary>Reads the client's traits from its handshake query.</summary>
    public static PollingEncoding ForV3(IQueryCollection query)
    {
        var jsonp = query.TryGetValue("j", out var j) ? new string(j.ToString().Where(char.IsAsciiDigit).ToArray()) : null;
        var base64 = jsonp is not null || !string.IsNullOrEmpty(query["b64"]);
        // engine.io-client up to 1.5 stamps requests with "<milliseconds>-<counter>"; later ones use yeast ids.
        var legacy = IsLegacyTimestamp(query["t"].ToString());
        return new PollingEncoding(base64, jsonp, legacy && !base64, legacy ? Legacy : Unknown);
    }

    private static bool IsLegacyTimestamp(string t)
    {
        var dash = t.IndexOf('-');
        return dash > 0 && dash < t.Length - 1
            && !t.AsSpan(0, dash).ContainsAnyExceptInRange('0', '9')
            && !t.AsSpan(dash + 1).ContainsAnyExceptInRange('0', '9');
    }
}
