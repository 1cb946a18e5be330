using Microsoft.Extensions.Logging;

namespace SocketIoChat.EngineIo;

/// <summary>Source-generated log messages of the engine layer.</summary>
internal static partial class EngineLog
{
    /// <summary>A short, printable view of bad input for a log line (never the whole payload).</summary>
    public static string Preview(ReadOnlySpan<byte> data, bool isBinary)
    {
        var head = data[..Math.Min(data.Length, 48)];
        var shown = isBinary
            ? Convert.ToHexString(head)
            : System.Text.Encoding.UTF8.GetString(head).ReplaceLineEndings(" ");
        return $"{(isBinary ? "binary" : "text")} {data.Length} bytes: {shown}{(data.Length > head.Length ? "…" : "")}";
    }

    [LoggerMessage(1, LogLevel.Debug, "Engine.IO session {Sid} opened: EIO={Protocol} ({Clients}) over {Transport} from {Address}")]
    public static partial void SessionOpened(ILogger logger, string sid, int protocol, string clients, string transport, string address);

    [LoggerMessage(10, LogLevel.Debug, "Engine.IO session {Sid}: recognised as socket.io-client {Generation} ({How})")]
    public static partial void GenerationRecognised(ILogger logger, string sid, string generation, string how);

    [LoggerMessage(2, LogLevel.Debug, "Engine.IO session {Sid} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string sid, string reason);

    [LoggerMessage(3, LogLevel.Information, "Engine.IO request refused with code {Code} ({Message}): {Method} {Url}")]
    public static partial void RequestRefused(ILogger logger, int code, string message, string method, string url);

    [LoggerMessage(4, LogLevel.Information, "Engine.IO session {Sid}: invalid input ({What}); closing")]
    public static partial void InvalidPacket(ILogger logger, string sid, string what);

    [LoggerMessage(5, LogLevel.Information, "Engine.IO session {Sid}: payload over the {Limit}-byte limit")]
    public static partial void PayloadTooLarge(ILogger logger, string sid, long limit);

    [LoggerMessage(6, LogLevel.Warning, "Engine.IO session {Sid}: {Limit} packets queued; closing the slow client")]
    public static partial void SlowClient(ILogger logger, string sid, int limit);

    [LoggerMessage(7, LogLevel.Error, "Engine.IO session {Sid}: a callback of the layer above failed")]
    public static partial void CallbackFailed(ILogger logger, string sid, Exception exception);

    [LoggerMessage(8, LogLevel.Debug, "Engine.IO session {Sid} upgraded to websocket")]
    public static partial void Upgraded(ILogger logger, string sid);

    [LoggerMessage(9, LogLevel.Debug, "Engine.IO session {Sid}: upgrade abandoned ({Why})")]
    public static partial void UpgradeAbandoned(ILogger logger, string sid, string why);

    [LoggerMessage(10, LogLevel.Warning, "Engine.IO request from origin {Origin} refused: not in AllowedOrigins (configuration SocketIo:AllowedOrigins; empty allows only the server's own origin): {Method} {Url}")]
    public static partial void OriginRefused(ILogger logger, string origin, string method, string url);
}
