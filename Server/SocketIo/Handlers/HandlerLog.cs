using Microsoft.Extensions.Logging;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>Source-generated log messages of class-based namespaces (category <c>SocketIoChat.SocketIo.Handlers</c>).</summary>
internal static partial class HandlerLog
{
    [LoggerMessage(401, LogLevel.Error, "Socket {SocketId}: {Handler}.{Method} for {Event} failed")]
    public static partial void HandlerFailed(ILogger logger, string socketId, string handler, string method, string @event, Exception exception);

    [LoggerMessage(402, LogLevel.Information, "Socket {SocketId}: argument {Index} ({Parameter}) of {Event} could not be bound: {Message}")]
    public static partial void BadArgument(ILogger logger, string socketId, int index, string parameter, string @event, string message);

    [LoggerMessage(403, LogLevel.Information, "Socket {SocketId}: {Event} refused by authorization")]
    public static partial void EventForbidden(ILogger logger, string socketId, string @event);

    [LoggerMessage(404, LogLevel.Debug, "Socket {SocketId}: {Event} refused by rate-limiting policy {Policy}")]
    public static partial void RateLimited(ILogger logger, string socketId, string @event, string policy);

    [LoggerMessage(405, LogLevel.Error, "Socket {SocketId}: {Handler}.{Method} failed")]
    public static partial void LifecycleFailed(ILogger logger, string socketId, string handler, string method, Exception exception);

    [LoggerMessage(406, LogLevel.Information, "Socket {SocketId}: namespace {Namespace} refused by authorization")]
    public static partial void ConnectionForbidden(ILogger logger, string socketId, string @namespace);
}
