using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.WebUtilities;

namespace SocketIoChat.EngineIo;

/// <summary>A snapshot of the request that opened the session; it outlives the request.</summary>
public sealed class EngineHandshake
{
    // Kept flat (name, value, name, value…) and turned into dictionaries only when asked: most
    // sessions never look, and an idle connection should hold as little as possible.
    private readonly string[] _headerPairs;
    private readonly int _queryStart;
    private IReadOnlyDictionary<string, string>? _headers;
    private IReadOnlyDictionary<string, string>? _query;
    private ClaimsPrincipal? _user;

    internal EngineHandshake(HttpContext context, TimeProvider time)
    {
        var request = context.Request;
        var headers = request.Headers;
        _headerPairs = new string[headers.Count * 2];
        var i = 0;
        foreach (var (name, value) in headers)
        {
            _headerPairs[i++] = name;
            _headerPairs[i++] = value.ToString();
        }
        Address = context.Connection.RemoteIpAddress?.ToString() ?? "";
        Secure = request.IsHttps;
        var path = request.Path.ToString();
        _queryStart = request.QueryString.HasValue ? path.Length : -1;
        Url = path + request.QueryString.ToString();
        Issued = time.GetUtcNow();
        // Null unless authentication set a user: the anonymous principal is made only when asked for.
        _user = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        var origin = headers.Origin.ToString();
        CrossDomain = origin.Length > 0 && !origin.EndsWith("//" + request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Request headers (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers ??= HeadersDictionary();

    /// <summary>Query parameters of the handshake request.</summary>
    public IReadOnlyDictionary<string, string> Query => _query ??= QueryDictionary();

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
    public ClaimsPrincipal User => _user ??= new ClaimsPrincipal(new ClaimsIdentity());

    private Dictionary<string, string> HeadersDictionary()
    {
        var headers = new Dictionary<string, string>(_headerPairs.Length / 2, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _headerPairs.Length; i += 2)
        {
            headers[_headerPairs[i]] = _headerPairs[i + 1];
        }
        return headers;
    }

    private Dictionary<string, string> QueryDictionary()
    {
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (_queryStart >= 0)
        {
            foreach (var (name, value) in QueryHelpers.ParseQuery(Url[_queryStart..]))
            {
                query[name] = value.ToString();
            }
        }
        return query;
    }
}
