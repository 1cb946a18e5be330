using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SocketIoChat.SocketIo.Handlers;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>
/// Returned by <see cref="SocketIoHostingExtensions.AddSocketIo(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{SocketIoOptions})"/> to add class-based namespaces,
/// rate-limiting policies and other Socket.IO services (see <see cref="SocketIoBuilderExtensions"/>).
/// </summary>
public sealed class SocketIoBuilder
{
    internal SocketIoBuilder(IServiceCollection services)
    {
        Services = services;
        services.TryAddSingleton<NamespaceHandlerRegistry>();
        services.TryAddSingleton(sp => new RateLimitReplenisher(sp.GetRequiredService<SocketIoServer>().Time));
        services.TryAddSingleton<ISocketIoContext, SocketIoContext>();
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ISocketIoContext<>), typeof(SocketIoContext<>)));
        services.AddOptions<SocketIoRateLimiterOptions>();
    }

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }
}
