using System.Security.Cryptography;
using System.Threading.RateLimiting;

namespace SocketIoChat.Host.Chat;

/// <summary>
/// Who is logged in: nickname ↔ session token, the session's connected sockets and its rate
/// limiter. A nickname is unique among sessions; when a session's last socket goes, its nickname
/// stays reserved for <see cref="ChatOptions.NicknameGracePeriod"/> so that the same client
/// (presenting the token it was given) gets it back on reconnect.
/// </summary>
public sealed class ChatSessions : IDisposable
{
    private readonly Dictionary<string, ChatSession> _byNickname = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ChatSession> _byToken = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly ChatOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _replenish;

    /// <summary>Creates the registry; one timer refills every session's rate limiter.</summary>
    public ChatSessions(ChatOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        // One timer on the TimeProvider for all limiters instead of one System.Threading timer each.
        _replenish = time.CreateTimer(_ => Replenish(), null, options.RateLimitPeriod, options.RateLimitPeriod);
    }

    /// <summary>
    /// Logs <paramref name="socketId"/> in as <paramref name="nickname"/>. With the token of the
    /// session that holds the nickname, that session is resumed; otherwise the nickname must be free.
    /// </summary>
    /// <returns>The session, or null when the nickname is taken.</returns>
    public ChatSession? Login(string nickname, string? token, string socketId)
    {
        lock (_lock)
        {
            PurgeExpired();
            if (_byNickname.TryGetValue(nickname, out var holder))
            {
                if (token is null || holder.Token != token)
                {
                    return null;
                }
                holder.Sockets.Add(socketId);
                holder.LeftAt = null;
                return holder;
            }
            // A known token asking for another nickname: that client has moved on from its old one.
            if (token is not null && _byToken.TryGetValue(token, out var previous) && previous.Sockets.Count == 0)
            {
                Remove(previous);
            }
            var session = new ChatSession(nickname, NewToken(), CreateLimiter());
            session.Sockets.Add(socketId);
            _byNickname[nickname] = session;
            _byToken[session.Token] = session;
            return session;
        }
    }

    /// <summary>The socket has left; when it was the session's last, the grace period starts.</summary>
    /// <returns>True when the session has no socket left (the user is offline).</returns>
    public bool Logout(ChatSession session, string socketId)
    {
        lock (_lock)
        {
            session.Sockets.Remove(socketId);
            if (session.Sockets.Count > 0)
            {
                return false;
            }
            session.LeftAt = _time.GetUtcNow();
            if (session.LoggedOut)
            {
                Remove(session);
            }
            return true;
        }
    }

    /// <summary>The user logged out on purpose: the nickname is free as soon as the session's sockets are gone.</summary>
    public void MarkLoggedOut(ChatSession session)
    {
        lock (_lock)
        {
            session.LoggedOut = true;
        }
    }

    /// <summary>True when a session with at least one socket holds <paramref name="nickname"/>.</summary>
    public bool IsOnline(string nickname)
    {
        lock (_lock)
        {
            return _byNickname.TryGetValue(nickname, out var session) && session.Sockets.Count > 0;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _replenish.Dispose();
        lock (_lock)
        {
            foreach (var session in _byToken.Values)
            {
                session.Limiter.Dispose();
            }
            _byToken.Clear();
            _byNickname.Clear();
        }
    }

    private TokenBucketRateLimiter CreateLimiter() => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = _options.RateLimitBurst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = _options.RateLimitPeriod,
        QueueLimit = 0,
        // Refilled by this class's single TimeProvider timer (TryReplenish adds one period's tokens).
        AutoReplenishment = false,
    });

    private void Replenish()
    {
        ChatSession[] sessions;
        lock (_lock)
        {
            sessions = [.. _byToken.Values];
        }
        foreach (var session in sessions)
        {
            session.Limiter.TryReplenish();
        }
    }

    private void PurgeExpired()
    {
        var now = _time.GetUtcNow();
        List<ChatSession>? expired = null;
        foreach (var session in _byToken.Values)
        {
            if (session.LeftAt is { } left && now - left >= _options.NicknameGracePeriod)
            {
                (expired ??= []).Add(session);
            }
        }
        foreach (var session in expired ?? [])
        {
            Remove(session);
        }
    }

    private void Remove(ChatSession session)
    {
        _byToken.Remove(session.Token);
        _byNickname.Remove(session.Nickname);
        session.Limiter.Dispose();
    }

    private static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}

/// <summary>One logged-in user: nickname, secret token, sockets (tabs) and message rate limiter.</summary>
public sealed class ChatSession
{
    internal ChatSession(string nickname, string token, ReplenishingRateLimiter limiter)
    {
        Nickname = nickname;
        Token = token;
        Limiter = limiter;
    }

    /// <summary>The nickname, as the user spelled it.</summary>
    public string Nickname { get; }

    /// <summary>The secret the client presents in its <c>auth</c> to resume this session.</summary>
    public string Token { get; }

    /// <summary>Limits how fast this user may send messages (burst, then a steady rate).</summary>
    public ReplenishingRateLimiter Limiter { get; }

    internal HashSet<string> Sockets { get; } = new(StringComparer.Ordinal);

    internal DateTimeOffset? LeftAt { get; set; }

    internal bool LoggedOut { get; set; }
}
