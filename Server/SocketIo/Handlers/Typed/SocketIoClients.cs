using SocketIoChat.SocketIo.Handlers.Typed;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Typed targets seen from one socket (SignalR's <c>IHubCallerClients&lt;T&gt;</c>): each property or
/// method gives <typeparamref name="TClient"/>, an interface whose methods emit events, so event
/// names and argument types are checked by the compiler.
/// </summary>
/// <typeparam name="TClient">
/// An interface of client events: methods returning <c>void</c> or <c>Task</c> emit; a method
/// returning <c>Task&lt;T&gt;</c> waits for the client's acknowledgement (one socket only). The event
/// is the name in <see cref="SocketIoEventAttribute"/>, else the method name as written.
/// </typeparam>
public sealed class SocketIoClients<TClient>
    where TClient : class
{
    private readonly Socket _socket;

    internal SocketIoClients(Socket socket) => _socket = socket;

    /// <summary>The socket itself.</summary>
    public TClient Caller => ClientProxy.For<TClient>(_socket);

    /// <summary>Every socket of the namespace but this one (Node <c>socket.broadcast</c>).</summary>
    public TClient Others => ClientProxy.For<TClient>(_socket.Broadcast);

    /// <summary>Every socket of the namespace, this one included.</summary>
    public TClient All => ClientProxy.For<TClient>(new BroadcastOperator(_socket.Namespace));

    /// <summary>The sockets in any of <paramref name="rooms"/>, this one included if it is in one.</summary>
    public TClient Room(params string[] rooms) => ClientProxy.For<TClient>(_socket.Namespace.In(rooms));

    /// <summary>The sockets in any of <paramref name="rooms"/> but this one (Node <c>socket.to(room)</c>).</summary>
    public TClient OthersInRoom(params string[] rooms) => ClientProxy.For<TClient>(_socket.To(rooms));

    /// <summary>Every socket of the namespace except those in <paramref name="rooms"/>.</summary>
    public TClient AllExcept(params string[] rooms) => ClientProxy.For<TClient>(_socket.Namespace.Except(rooms));

    /// <summary>
    /// The socket <paramref name="socketId"/> of this namespace: on this server it is addressed
    /// directly (acknowledgements work); elsewhere in a cluster, through its own room.
    /// </summary>
    public TClient Client(string socketId) =>
        _socket.Namespace.Sockets.TryGetValue(socketId, out var socket)
            ? ClientProxy.For<TClient>(socket)
            : ClientProxy.For<TClient>(_socket.Namespace.In(socketId));
}
