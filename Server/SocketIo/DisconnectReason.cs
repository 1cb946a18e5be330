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
}
