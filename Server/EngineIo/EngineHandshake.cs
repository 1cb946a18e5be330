using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace SocketIoChat.EngineIo;

/// <summary>A snapshot of the request that opened the session; it outlives the request.</summary>
public sealed class EngineHandshake
{
    internal EngineHandshake(HttpContext context, TimeProvider time)
    {
        var request = context.Request;
        Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Address = context.Connection.RemoteIpAddress?.ToString() ?? "";
        Secure = request.IsHttps;
        Url = request.Path + request.QueryString;
        Issued = time.GetUtcNow();
        User = context.User;
        var origin = request.Headers.Origin.ToString();
        CrossDomain = origin.Length > 0 && !origin.EndsWith("//" + request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Request headers (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Query parameters of the handshake request.</summary>
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>The client's IP address.</summary>
    public string Address { get; }

    /// <summary>True over HTTPS.</summary>
    public bool Secure { get; }

    /// <summary>Path and query of the handshake request.</summary>
    public string Url { get; }

    /// <summary>When the handshake happened.</summary>
    public DateTimeOffset Issued { get; }

    /// <summary>True when the request came from another origin.</summary>
    public bool CrossDomain { get; }

    /// <summary>The authenticated user of the handshake request (anonymous without authentication).</summary>
    public ClaimsPrincipal User { get; }
}
