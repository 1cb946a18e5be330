namespace SocketIoChat.EngineIo.Transports;

/// <summary>
/// The WebSocket transport as the server drives it: an optional upgrade handshake, then reading and
/// writing until the session or the connection ends.
/// </summary>
internal abstract class WebSocketTransport : Transport
{
    public sealed override string Name => "websocket";

    /// <summary>
    /// Runs the upgrade handshake on a socket opened with an existing sid: <c>2probe</c> is answered
    /// <c>3probe</c>, then <c>5</c> completes it. False when the client did anything else, or did
    /// not finish before <paramref name="timeout"/> was cancelled.
    /// </summary>
    public abstract Task<bool> TryUpgradeAsync(CancellationToken timeout);

    /// <summary>
    /// Reads and writes until the session or the connection ends; the first write waits
    /// <paramref name="firstWriteDelay"/> (see <see cref="Protocol.EngineProtocol.WebSocketOpenDelay"/>).
    /// </summary>
    public abstract Task RunAsync(TimeSpan firstWriteDelay = default);

    /// <summary>Closes a socket that never became this session's transport.</summary>
    public abstract Task AbandonAsync();
}
