using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SocketIoChat.SocketIo.Adapter;
using SocketIoChat.SocketIo.Handlers;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>Adds class-based namespaces, rate-limiting policies and the adapter to the Socket.IO server.</summary>
public static class SocketIoBuilderExtensions
{
    /// <summary>
    /// Serves the namespace <paramref name="name"/> (default: the class's
    /// <see cref="SocketIoNamespaceAttribute"/>) with <typeparamref name="TNamespace"/>; attached
    /// by <c>MapSocketIo</c>. Makes <see cref="ISocketIoContext{TNamespace}"/> available.
    /// </summary>
    public static SocketIoBuilder AddNamespace<TNamespace>(this SocketIoBuilder builder, string? name = null)
        where TNamespace : NamespaceHandler
    {
        name ??= NamespaceHandlerDescriptor.DeclaredName(typeof(TNamespace))
            ?? throw new InvalidOperationException($"{typeof(TNamespace).Name} has no [SocketIoNamespace(\"/name\")]: give the name to AddNamespace.");
        builder.Services.AddSingleton(new NamespaceHandlerRegistration(typeof(TNamespace), NamespaceHandlerRegistry.Normalize(name)));
        return builder;
    }

    /// <summary>Adds rate-limiting policies for <see cref="RateLimitAttribute"/>.</summary>
    public static SocketIoBuilder AddRateLimiter(this SocketIoBuilder builder, Action<SocketIoRateLimiterOptions> configure)
    {
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Gives every namespace the adapter <paramref name="create"/> makes (Node's <c>adapter</c>
    /// option), for example a cluster adapter; replaces any adapter chosen before.
    /// </summary>
    public static SocketIoBuilder UseAdapter(this SocketIoBuilder builder, Func<IServiceProvider, Namespace, SocketIoAdapter> create)
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<ISocketIoAdapterFactory>(sp => new DelegateAdapterFactory(sp, create)));
        return builder;
    }

    /// <summary>Gives every namespace the adapter made by <typeparamref name="TFactory"/> (a singleton service).</summary>
    public static SocketIoBuilder UseAdapter<TFactory>(this SocketIoBuilder builder)
        where TFactory : class, ISocketIoAdapterFactory
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<ISocketIoAdapterFactory, TFactory>());
        return builder;
    }

    private sealed class DelegateAdapterFactory(IServiceProvider services, Func<IServiceProvider, Namespace, SocketIoAdapter> create) : ISocketIoAdapterFactory
    {
        public SocketIoAdapter Create(Namespace ns) => create(services, ns);
    }
}
