using Microsoft.Extensions.Logging;

namespace SocketIoChat.SocketIo;

/// <summary>Source-generated log messages of the Socket.IO layer.</summary>
internal static partial class SocketIoLog
{
    [LoggerMessage(101, LogLevel.Information, "Connection {Sid}: invalid Socket.IO packet ({Error}); closing")]
    public static partial void InvalidPacket(ILogger logger, string sid, string error);

    [LoggerMessage(102, LogLevel.Information, "Connection {Sid}: namespace {Namespace} refused: {Message}")]
    public static partial void ConnectRefused(ILogger logger, string sid, string @namespace, string message);

    [LoggerMessage(103, LogLevel.Debug, "Socket {SocketId} connected to {Namespace} (connection {Sid}, EIO={Protocol}, {Transport})")]
    public static partial void SocketConnected(ILogger logger, string socketId, string @namespace, string sid, int protocol, string transport);

    [LoggerMessage(104, LogLevel.Debug, "Socket {SocketId} left {Namespace}: {Reason}")]
    public static partial void SocketDisconnected(ILogger logger, string socketId, string @namespace, string reason);

    [LoggerMessage(105, LogLevel.Error, "Socket {SocketId}: handler for {Event} failed")]
    public static partial void HandlerFailed(ILogger logger, string socketId, string @event, Exception exception);

    [LoggerMessage(106, LogLevel.Information, "Connection {Sid} joined no namespace within the connect timeout; closing")]
    public static partial void ConnectTimeout(ILogger logger, string sid);

    [LoggerMessage(107, LogLevel.Information, "Connection {Sid}: packet for {Namespace}, which it has not joined; closing")]
    public static partial void NotConnected(ILogger logger, string sid, string @namespace);

    [LoggerMessage(108, LogLevel.Debug, "Socket {SocketId} recovered in {Namespace} with {Missed} missed packets")]
    public static partial void SocketRecovered(ILogger logger, string socketId, string @namespace, int missed);

    [LoggerMessage(109, LogLevel.Warning, "Connection {Sid}: restoring a session of {Namespace} failed; connecting afresh")]
    public static partial void RestoreFailed(ILogger logger, string sid, string @namespace, Exception exception);

    [LoggerMessage(110, LogLevel.Error, "Adapter operation {Operation} on {Namespace} failed")]
    public static partial void AdapterFailed(ILogger logger, string operation, string @namespace, Exception exception);
}
