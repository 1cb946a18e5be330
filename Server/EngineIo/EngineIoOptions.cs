using Microsoft.AspNetCore.Http;

namespace SocketIoChat.EngineIo;

/// <summary>Engine.IO settings; names and defaults follow the Node reference server.</summary>
public class EngineIoOptions
{
    /// <summary>How often the server pings (v4) or expects a ping (v3). Default 25 s.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long to wait for the answer to a ping before closing. Default 20 s.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long an upgrade may take before the new transport is dropped. Default 10 s.</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest message or polling body accepted from a client, in bytes. Default 1 MB.</summary>
    public long MaxHttpBufferSize { get; set; } = 1_000_000;

    /// <summary>Allowed transports. Default polling and websocket.</summary>
    public IList<string> Transports { get; set; } = ["polling", "websocket"];

    /// <summary>
    /// Whether polling sessions may upgrade to WebSocket. Default true. When false the open packet
    /// lists no upgrades and a WebSocket carrying an existing polling sid is closed (the Node server
    /// only stops advertising the upgrade).
    /// </summary>
    public bool AllowUpgrades { get; set; } = true;

    /// <summary>
    /// The cookie holding the session id, set on the polling handshake response (Node <c>cookie</c>).
    /// Default null: no cookie.
    /// </summary>
    public EngineCookieOptions? Cookie { get; set; }

    /// <summary>
    /// WebSocket compression (Node <c>perMessageDeflate</c>). Default null: the extension is declined.
    /// </summary>
    public PerMessageDeflateOptions? PerMessageDeflate { get; set; }

    /// <summary>
    /// Compression of polling responses (Node <c>httpCompression</c>). Default on with a 1024-byte
    /// threshold; null turns it off.
    /// </summary>
    public HttpCompressionOptions? HttpCompression { get; set; } = new();

    /// <summary>
    /// Packets a session may have queued before it is closed as too slow. Default 4096.
    /// Volatile packets are dropped instead of counting against it.
    /// </summary>
    public int MaxQueuedPackets { get; set; } = 4096;

    /// <summary>
    /// Serve WebSocket upgrades at the connection, before HTTP, where the connection middleware is
    /// installed (<c>AddSocketIo</c> installs it on every Kestrel endpoint): the WebSocket then holds
    /// none of Kestrel's per-request objects and its frames are read and written on the connection's
    /// own pipes. Such requests skip the application's request pipeline (as upgrades skip Node's
    /// request handlers): only the default authentication scheme is run, for the handshake's user;
    /// other middleware and endpoint metadata (authorization policies, path base, forwarded
    /// headers) do not apply to them. Default false: every upgrade goes through the pipeline.
    /// </summary>
    public bool WebSocketsAtConnection { get; set; }

    /// <summary>
    /// Decides whether a handshake may proceed: return null to accept, or a message to refuse it
    /// with HTTP 403 <c>{"code":4,"message":…}</c>.
    /// </summary>
    public Func<HttpContext, ValueTask<string?>>? AllowRequest { get; set; }

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose pages may open and use sessions, checked on every
    /// polling request and WebSocket upgrade that carries a browser's <c>Origin</c> header (requests
    /// without one, or with one no browser sends, come from other clients and are allowed): <c>*</c> allows any origin, <c>null</c>
    /// the opaque origin of sandboxed pages and files. Empty (the default): only the server's own
    /// origin, as python-socketio (the seed's Flask-SocketIO) does, so a page elsewhere cannot use a
    /// visitor's cookies on this server. A refused request gets HTTP 403 <c>{"code":4,"message":"Forbidden"}</c>.
    /// Configuration: <c>SocketIo:AllowedOrigins</c> (an array).
    /// </summary>
    public IList<string> AllowedOrigins { get; set; } = [];
}
