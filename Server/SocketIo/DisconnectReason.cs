namespace SocketIoChat.SocketIo;

/// <summary>The reason strings of the Node reference server's <c>disconnect</c> event.</summary>
public static class DisconnectReason
{
    /// <summary>The server called <c>Disconnect()</c> on the socket.</summary>
    public const string ServerNamespaceDisconnect = "server namespace disconnect";
    /// <summary>The client left the namespace.</summary>
    public const string ClientNamespaceDisconnect = "client namespace disconnect";
    /// <summary>The server is stopping.</summary>
    public const string ServerShuttingDown = "server shutting down";
    /// <summary>The client did not answer a heartbeat in time.</summary>
    public const string PingTimeout = "ping timeout";
    /// <summary>The connection was closed by the client or the network.</summary>
    public const string TransportClose = "transport close";
    /// <summary>The connection failed.</summary>
    public const string TransportError = "transport error";
    /// <summary>The client sent a packet that is not valid.</summary>
    public const string ParseError = "parse error";
    /// <summary>The server closed the underlying connection with <c>Disconnect(true)</c>.</summary>
    public const string ForcedServerClose = "forced server close";
    /// <summary>The underlying connection was closed by the server.</summary>
    public const string ForcedClose = "forced close";

    /// <summary>
    /// Whether a socket that left for <paramref name="reason"/> may be recovered (Node
    /// <c>RECOVERABLE_DISCONNECT_REASONS</c>): the connection was lost or closed by the server,
    /// not left on purpose by either side's namespace disconnect.
    /// </summary>
    public static bool IsRecoverable(string reason) => reason is TransportError or TransportClose or ForcedClose
        or PingTimeout or ServerShuttingDown or ForcedServerClose;
}
