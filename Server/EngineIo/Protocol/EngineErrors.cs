namespace SocketIoChat.EngineIo.Protocol;

/// <summary>The error codes the reference server returns in its <c>{"code":N,"message":"…"}</c> bodies.</summary>
public enum EngineErrorCode
{
    /// <summary>The <c>transport</c> query parameter is missing or not allowed.</summary>
    UnknownTransport = 0,
    /// <summary>The <c>sid</c> is not (or no longer) a live session.</summary>
    UnknownSid = 1,
    /// <summary>A handshake that is not a GET.</summary>
    BadHandshakeMethod = 2,
    /// <summary>Any other malformed request.</summary>
    BadRequest = 3,
    /// <summary>Refused by the <c>AllowRequest</c> hook (HTTP 403).</summary>
    Forbidden = 4,
    /// <summary>The <c>EIO</c> query parameter names no supported protocol revision.</summary>
    UnsupportedProtocolVersion = 5,
}

/// <summary>The one table of error messages and HTTP statuses, so every transport answers alike.</summary>
internal static class EngineErrors
{
    public static string Message(EngineErrorCode code) => code switch
    {
        EngineErrorCode.UnknownTransport => "Transport unknown",
        EngineErrorCode.UnknownSid => "Session ID unknown",
        EngineErrorCode.BadHandshakeMethod => "Bad handshake method",
        EngineErrorCode.BadRequest => "Bad request",
        EngineErrorCode.Forbidden => "Forbidden",
        EngineErrorCode.UnsupportedProtocolVersion => "Unsupported protocol version",
        _ => "Bad request",
    };

    public static int HttpStatus(EngineErrorCode code) => code == EngineErrorCode.Forbidden ? 403 : 400;
}
