namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// The errors a class-based namespace answers with instead of running a handler. The client gets
/// <c>{"error": code, "event": name, ...}</c> as the acknowledgement when it asked for one, else
/// as the argument of the event <see cref="EventName"/>.
/// </summary>
public static class SocketIoErrors
{
    /// <summary>The event that carries an error when the client asked for no acknowledgement.</summary>
    public const string EventName = "exception";

    /// <summary>CONNECT_ERROR message when a namespace's authorization policy refuses the handshake's user.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>An event's authorization policy refused the user.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>An event's rate limiter refused it; <c>retryAfterMs</c> says when to try again when known.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>An argument could not be converted to the handler's parameter type.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The handler threw (details are logged, not sent).</summary>
    public const string InternalError = "internal_error";
}
