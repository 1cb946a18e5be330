using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo;

/// <summary>
/// A socket's handshake, as the reference's <c>socket.handshake</c>: what the request that opened
/// the connection carried, plus the <c>auth</c> payload of the socket's CONNECT packet.
/// </summary>
public sealed class SocketHandshake
{
    /// <summary>Creates a handshake (a cluster adapter rebuilds one from another server's answer).</summary>
    public SocketHandshake(
        IReadOnlyDictionary<string, string> headers,
        IReadOnlyDictionary<string, string> query,
        JObject auth,
        string address,
        DateTimeOffset issued,
        string url,
        bool secure,
        bool crossDomain)
    {
        Headers = headers;
        Query = query;
        Auth = auth;
        Address = address;
        Issued = issued;
        Url = url;
        Secure = secure;
        CrossDomain = crossDomain;
    }

    internal SocketHandshake(EngineHandshake engine, JObject auth)
        : this(engine.Headers, engine.Query, auth, engine.Address, engine.Issued, engine.Url, engine.Secure, engine.CrossDomain)
    {
    }

    /// <summary>Request headers (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Query parameters of the handshake request.</summary>
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>The auth payload the client sent with its CONNECT (empty when none).</summary>
    public JObject Auth { get; }

    /// <summary>The client's IP address.</summary>
    public string Address { get; }

    /// <summary>When the connection was opened (Node <c>issued</c>, milliseconds since the epoch there).</summary>
    public DateTimeOffset Issued { get; }

    /// <summary>When the connection was opened, as the reference's <c>time</c> string (<c>Date.toString()</c> style is not reproduced; RFC 1123 here).</summary>
    public string Time => Issued.ToString("r", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Path and query of the handshake request.</summary>
    public string Url { get; }

    /// <summary>True over HTTPS.</summary>
    public bool Secure { get; }

    /// <summary>True when the request came from another origin (Node <c>xdomain</c>).</summary>
    public bool CrossDomain { get; }
}
