namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Emits to clients from outside a handler — background services, controllers, minimal API
/// endpoints — as SignalR's <c>IHubContext</c> does. Registered by <c>AddSocketIo()</c>.
/// </summary>
public interface ISocketIoContext
{
    /// <summary>The server.</summary>
    SocketIoServer Server { get; }

    /// <summary>The namespace <paramref name="name"/> (created on first use).</summary>
    Namespace Of(string name);

    /// <summary>Targets the sockets of the main namespace in <paramref name="rooms"/>.</summary>
    BroadcastOperator To(params string[] rooms);

    /// <summary>Targets every socket of the main namespace but those in <paramref name="rooms"/>.</summary>
    BroadcastOperator Except(params string[] rooms);

    /// <summary>Sends an event to every socket of the main namespace.</summary>
    bool Emit(string eventName, params object?[] args);
}

/// <summary>Emits to the namespace served by <typeparamref name="TNamespace"/>, from outside a handler.</summary>
/// <typeparam name="TNamespace">A class added with <c>AddSocketIo().AddNamespace&lt;TNamespace&gt;()</c>.</typeparam>
public interface ISocketIoContext<TNamespace>
    where TNamespace : NamespaceHandler
{
    /// <summary>The namespace <typeparamref name="TNamespace"/> serves.</summary>
    Namespace Namespace { get; }

    /// <summary>Targets the sockets of the namespace in <paramref name="rooms"/>.</summary>
    BroadcastOperator To(params string[] rooms);

    /// <summary>Targets every socket of the namespace but those in <paramref name="rooms"/>.</summary>
    BroadcastOperator Except(params string[] rooms);

    /// <summary>Sends an event to every socket of the namespace.</summary>
    bool Emit(string eventName, params object?[] args);
}
