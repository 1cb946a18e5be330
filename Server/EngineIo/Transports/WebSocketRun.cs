namespace SocketIoChat.EngineIo.Transports;

/// <summary>
/// A WebSocket whose handshake is answered and whose session is ready: what is left is to run it for
/// the connection's life, which needs neither the request nor anything else of the handshake.
/// </summary>
internal readonly record struct WebSocketRun(WebSocketTransport Transport, TimeSpan FirstWriteDelay)
{
    public Task RunAsync() => Transport.RunAsync(FirstWriteDelay);
}
