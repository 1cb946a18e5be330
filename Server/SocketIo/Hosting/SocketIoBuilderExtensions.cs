using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo.Handlers;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>Adds class-based namespaces and rate-limiting policies to the Socket.IO server.</summary>
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
}
