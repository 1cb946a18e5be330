namespace SocketIoChat.EngineIo;

/// <summary>One Engine.IO session as the layer above sees it, whatever its transport.</summary>
public interface IEngineConnection
{
    /// <summary>The session id (<c>sid</c>).</summary>
    string Id { get; }

    /// <summary>The Engine.IO protocol revision the client speaks (3 or 4).</summary>
    int ProtocolVersion { get; }

    /// <summary>The current transport: <c>polling</c> or <c>websocket</c>.</summary>
    string TransportName { get; }

    /// <summary>What the handshake request carried.</summary>
    EngineHandshake Handshake { get; }

    /// <summary>True while a packet sent now would be written without waiting (used for volatile packets).</summary>
    bool IsWritable { get; }

    /// <summary>Free for the layer above to attach its own per-connection object.</summary>
    object? State { get; set; }

    /// <summary>Cancelled when the session closes.</summary>
    CancellationToken Closed { get; }

    /// <summary>
    /// Queues a packet. Returns false when the session is closed; a session whose bounded queue
    /// overflows is closed as too slow.
    /// </summary>
    bool Send(EngineMessage message);

    /// <summary>
    /// Tells the engine which client generation the layer above recognised: socket.io-client 1.x
    /// (<paramref name="legacy"/>) UTF-8-encodes polling text twice, 2.x does not. Only Engine.IO v3
    /// polling uses it; the first word wins.
    /// </summary>
    void SetClientGeneration(bool legacy);

    /// <summary>Closes the session after the packets already queued are written.</summary>
    void Close(string reason);
}

/// <summary>
/// The layer above the engine: three callbacks, always called for one session in order
/// (opened, then messages, then closed).
/// </summary>
public interface IEngineConnectionHandler
{
    /// <summary>A session completed its handshake. Packets sent from here follow the open packet.</summary>
    void OnOpened(IEngineConnection connection);

    /// <summary>
    /// A message packet arrived. <paramref name="data"/> is only valid during the call: copy what you keep.
    /// </summary>
    void OnMessage(IEngineConnection connection, ReadOnlySpan<byte> data, bool isBinary);

    /// <summary>The session ended, with one of the reference server's reason strings.</summary>
    void OnClosed(IEngineConnection connection, string reason);
}
