namespace SocketIoChat.SocketIo.Handlers;

/// <summary>The server-wide context: a thin view of the <see cref="SocketIoServer"/> singleton.</summary>
internal sealed class SocketIoContext(SocketIoServer server) : ISocketIoContext
{
    public SocketIoServer Server => server;

    public Namespace Of(string name) => server.Of(name);

    public BroadcastOperator To(params string[] rooms) => server.Sockets.To(rooms);

    public BroadcastOperator Except(params string[] rooms) => server.Sockets.Except(rooms);

    public bool Emit(string eventName, params object?[] args) => server.Sockets.Emit(eventName, args);
}

/// <summary>The context of one class-based namespace.</summary>
internal sealed class SocketIoContext<TNamespace>(SocketIoServer server, NamespaceHandlerRegistry registry) : ISocketIoContext<TNamespace>
    where TNamespace : NamespaceHandler
{
    private Namespace? _namespace;

    public Namespace Namespace => _namespace ??= server.Of(registry.NameOf(typeof(TNamespace)));

    public BroadcastOperator To(params string[] rooms) => Namespace.To(rooms);

    public BroadcastOperator Except(params string[] rooms) => Namespace.Except(rooms);

    public bool Emit(string eventName, params object?[] args) => Namespace.Emit(eventName, args);
}
