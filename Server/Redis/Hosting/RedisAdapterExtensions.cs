using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SocketIoChat.Redis.Streams;
using SocketIoChat.SocketIo.Adapter;
using SocketIoChat.SocketIo.Hosting;

namespace SocketIoChat.Redis.Hosting;

/// <summary>Puts the Socket.IO server on a Redis adapter: pub/sub, or streams.</summary>
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

    /// <summary>
    /// Joins the cluster of every Socket.IO server (Node or .NET) on the same Redis stream: each
    /// namespace gets a <see cref="RedisStreamsAdapter"/>, and connection state recovery works when
    /// a client comes back to another server. Options are bound from <c>SocketIo:RedisStreams</c>,
    /// then <paramref name="configure"/>; <see cref="RedisStreamsAdapterOptions.Configuration"/> is required.
    /// </summary>
    public static SocketIoBuilder AddRedisStreamsAdapter(this SocketIoBuilder builder, Action<RedisStreamsAdapterOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<RedisStreamsAdapterOptions>().BindConfiguration("SocketIo:RedisStreams");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.Validate(o => !string.IsNullOrWhiteSpace(o.Configuration), "SocketIo:RedisStreams:Configuration (the Redis address) is required by the Redis streams adapter.")
            .Validate(o => o.StreamName.Length > 0 && o.ChannelPrefix.Length > 0, "SocketIo:RedisStreams:StreamName and ChannelPrefix must not be empty.")
            .Validate(o => o.MaxLength > 0 && o.ReadCount > 0 && o.BlockTime > TimeSpan.Zero && o.RequestsTimeout > TimeSpan.Zero,
                "SocketIo:RedisStreams:MaxLength, ReadCount, BlockTime and RequestsTimeout must be positive.");
        builder.Services.TryAddSingleton<RedisStreamsAdapterFactory>();
        builder.Services.Replace(ServiceDescriptor.Singleton<ISocketIoAdapterFactory>(sp => sp.GetRequiredService<RedisStreamsAdapterFactory>()));
        return builder;
    }
}
