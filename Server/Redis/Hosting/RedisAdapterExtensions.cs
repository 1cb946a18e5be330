using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SocketIoChat.SocketIo.Adapter;
using SocketIoChat.SocketIo.Hosting;

namespace SocketIoChat.Redis.Hosting;

/// <summary>Puts the Socket.IO server on the Redis pub/sub adapter.</summary>
public static class RedisAdapterExtensions
{
    /// <summary>
    /// Joins the cluster of every Socket.IO server (Node or .NET) on the same Redis and key: each
    /// namespace gets a <see cref="RedisAdapter"/>. Options are bound from <c>SocketIo:Redis</c>,
    /// then <paramref name="configure"/>; <see cref="RedisAdapterOptions.Configuration"/> is required.
    /// </summary>
    public static SocketIoBuilder AddRedisAdapter(this SocketIoBuilder builder, Action<RedisAdapterOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<RedisAdapterOptions>().BindConfiguration("SocketIo:Redis");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.Validate(o => !string.IsNullOrWhiteSpace(o.Configuration), "SocketIo:Redis:Configuration (the Redis address) is required by the Redis adapter.")
            .Validate(o => !string.IsNullOrEmpty(o.Key), "SocketIo:Redis:Key must not be empty.")
            .Validate(o => o.RequestsTimeout > TimeSpan.Zero, "SocketIo:Redis:RequestsTimeout must be positive.");
        builder.Services.TryAddSingleton<RedisAdapterFactory>();
        builder.Services.Replace(ServiceDescriptor.Singleton<ISocketIoAdapterFactory>(sp => sp.GetRequiredService<RedisAdapterFactory>()));
        return builder;
    }
}
