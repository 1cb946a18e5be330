using Microsoft.Extensions.Logging;

namespace SocketIoChat.Redis;

/// <summary>Source-generated log messages of the Redis adapter.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(501, LogLevel.Warning, "Redis adapter: a message on {Channel} could not be handled; dropped")]
    public static partial void MessageFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(502, LogLevel.Warning, "Redis adapter of {Namespace}: publishing on {Channel} failed")]
    public static partial void PublishFailed(ILogger logger, string @namespace, string channel, Exception exception);

    [LoggerMessage(503, LogLevel.Debug, "Redis adapter of {Namespace}: request {RequestId} ended after {Received} of {Expected} answers")]
    public static partial void RequestTimedOut(ILogger logger, string @namespace, string requestId, int received, int expected);

    [LoggerMessage(504, LogLevel.Warning, "Redis streams adapter: reading {Stream} failed; retrying")]
    public static partial void ReadFailed(ILogger logger, string stream, Exception exception);
}
