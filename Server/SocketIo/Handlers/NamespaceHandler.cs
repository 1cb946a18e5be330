using System.Security.Claims;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Base class of a class-based namespace, the Socket.IO counterpart of a SignalR hub: name the
/// namespace with <see cref="SocketIoNamespaceAttribute"/>, mark handler methods with
/// <see cref="SocketIoEventAttribute"/>, and register the class with
/// <c>services.AddSocketIo().AddNamespace&lt;T&gt;()</c>.
/// </summary>
/// <remarks>
/// An instance is created for every event and for each of <see cref="OnConnectedAsync"/> and
/// <see cref="OnDisconnectedAsync"/>, in a dependency-injection scope of its own that ends when
/// the call completes (as SignalR does with hubs): keep per-socket state in
/// <see cref="Socket.Data"/> or in a singleton service, not in fields.
/// </remarks>
public abstract class NamespaceHandler
{
    private Socket? _socket;

    /// <summary>The socket that sent the event or that connected / disconnected.</summary>
    public Socket Socket => _socket ?? throw new InvalidOperationException("The socket is only known while the server calls this handler.");

    /// <summary>The event being handled; null in <see cref="OnConnectedAsync"/> and <see cref="OnDisconnectedAsync"/>.</summary>
    public SocketEvent? Event { get; private set; }

    /// <summary>The namespace of the socket.</summary>
    public Namespace Namespace => Socket.Namespace;

    /// <summary>The server, to reach other namespaces.</summary>
    public SocketIoServer Server => Socket.Server;

    /// <summary>The authenticated user of the handshake request (anonymous without authentication).</summary>
    public ClaimsPrincipal User => Socket.User;

    /// <summary>
    /// Runs once a socket is accepted, before any of its events is handled (events that arrive
    /// meanwhile wait). An exception disconnects the socket.
    /// </summary>
    public virtual Task OnConnectedAsync() => Task.CompletedTask;

    /// <summary>Runs after the socket left, with the reference's reason string (e.g. <c>client namespace disconnect</c>).</summary>
    public virtual Task OnDisconnectedAsync(string reason) => Task.CompletedTask;

    internal void Attach(Socket socket, SocketEvent? e)
    {
        _socket = socket;
        Event = e;
    }
}
