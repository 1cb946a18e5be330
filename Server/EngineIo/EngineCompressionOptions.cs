using Microsoft.AspNetCore.Http;

namespace SocketIoChat.EngineIo;

/// <summary>
/// The <c>io</c> cookie sent with the handshake (Node option <c>cookie</c>), holding the session id
/// so a load balancer can keep a client on one server. Defaults follow the Node reference.
/// </summary>
public sealed class EngineCookieOptions
{
    /// <summary>Cookie name. Default <c>io</c>.</summary>
    public string Name { get; set; } = "io";

    /// <summary>Cookie path; null sends none. Default <c>/</c>.</summary>
    public string? Path { get; set; } = "/";

    /// <summary>Cookie domain; null sends none (the default).</summary>
    public string? Domain { get; set; }

    /// <summary>Whether scripts are kept from reading the cookie. Default true.</summary>
    public bool HttpOnly { get; set; } = true;

    /// <summary>
    /// The SameSite attribute. Default <see cref="SameSiteMode.Lax"/>;
    /// <see cref="SameSiteMode.Unspecified"/> sends none (Node: <c>sameSite: false</c>).
    /// </summary>
    public SameSiteMode SameSite { get; set; } = SameSiteMode.Lax;

    /// <summary>Whether the cookie is sent over HTTPS only. Default false.</summary>
    public bool Secure { get; set; }

    /// <summary>Lifetime of the cookie; null makes it a session cookie (the default).</summary>
    public TimeSpan? MaxAge { get; set; }

    internal CookieOptions ToCookieOptions() => new()
    {
        Path = Path,
        Domain = Domain,
        HttpOnly = HttpOnly,
        SameSite = SameSite,
        Secure = Secure,
        MaxAge = MaxAge,
    };
}

/// <summary>
/// WebSocket <c>permessage-deflate</c> (RFC 7692) settings (Node option <c>perMessageDeflate</c>).
/// Offered by the client, accepted by the server when these options are set.
/// </summary>
public sealed class PerMessageDeflateOptions
{
    /// <summary>Messages smaller than this many bytes are sent uncompressed. Default 1024.</summary>
    public int Threshold { get; set; } = 1024;

    /// <summary>
    /// Whether the server resets its compression context after every message (less memory per
    /// connection, worse ratio). Default false; always on when the client asks for it.
    /// </summary>
    public bool ServerNoContextTakeover { get; set; }

    /// <summary>Whether the client is asked to reset its compression context after every message. Default false.</summary>
    public bool ClientNoContextTakeover { get; set; }

    /// <summary>Largest LZ77 window the server compresses with, 9 to 15. Default 15 (or less if the client asks).</summary>
    public int ServerMaxWindowBits { get; set; } = 15;

    /// <summary>Largest LZ77 window the client may compress with, 9 to 15, when the client allows a limit. Default 15.</summary>
    public int ClientMaxWindowBits { get; set; } = 15;
}

/// <summary>
/// Compression of polling responses (Node option <c>httpCompression</c>): gzip or deflate as the
/// request's <c>Accept-Encoding</c> allows.
/// </summary>
public sealed class HttpCompressionOptions
{
    /// <summary>Responses smaller than this many bytes are sent uncompressed. Default 1024.</summary>
    public int Threshold { get; set; } = 1024;
}
