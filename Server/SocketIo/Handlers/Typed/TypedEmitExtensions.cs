using SocketIoChat.SocketIo.Handlers.Typed;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>Typed emits from the lambda style: <c>socket.As&lt;IChatClient&gt;().Message(...)</c>.</summary>
public static class TypedEmitExtensions
{
    /// <summary><typeparamref name="TClient"/> emitting to <paramref name="socket"/> (acknowledgements work).</summary>
    public static TClient As<TClient>(this Socket socket)
        where TClient : class => ClientProxy.For<TClient>(socket);

    /// <summary><typeparamref name="TClient"/> emitting to the targets of <paramref name="targets"/>.</summary>
    public static TClient As<TClient>(this BroadcastOperator targets)
        where TClient : class => ClientProxy.For<TClient>(targets);

    /// <summary><typeparamref name="TClient"/> emitting to every socket of <paramref name="ns"/>.</summary>
    public static TClient As<TClient>(this Namespace ns)
        where TClient : class => ClientProxy.For<TClient>(new BroadcastOperator(ns));
}
