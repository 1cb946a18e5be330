namespace SocketIoChat.SocketIo;

/// <summary>
/// Connection state recovery (Node <c>connectionStateRecovery</c>, socket.io 4.6+): a Socket.IO v5
/// client that lost its connection and comes back within <see cref="MaxDisconnectionDuration"/>
/// gets its socket id, rooms and <see cref="Socket.Data"/> back and receives the events it missed.
/// Off unless <see cref="SocketIoOptions.ConnectionStateRecovery"/> is set.
/// </summary>
/// <remarks>
/// While it is on, every event broadcast without acknowledgement and not volatile (and every
/// <see cref="Socket.Emit"/>) is kept for <see cref="MaxDisconnectionDuration"/> and carries an
/// offset as its last argument, which the client sends back when it reconnects.
/// </remarks>
public sealed class ConnectionStateRecoveryOptions
{
    /// <summary>How long sessions and sent events are kept after a disconnection. Default 2 minutes.</summary>
    public TimeSpan MaxDisconnectionDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether a recovered socket skips the connection middleware. Default true.</summary>
    public bool SkipMiddlewares { get; set; } = true;

    /// <summary>
    /// Which namespaces use recovery, by name (children of a dynamic namespace by their own name);
    /// every namespace when null (the default, as in Node, where the option is server-wide). A
    /// namespace without it sends events without offsets, exactly as with recovery off.
    /// </summary>
    public Func<string, bool>? Namespaces { get; set; }
}
