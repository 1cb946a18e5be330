using SocketIoChat.Redis.Hosting;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Adapters;

/// <summary>
/// The adapter specification on the Redis pub/sub adapter: three of our servers, each with its own
/// Redis connection, on a Redis server started for the case.
/// </summary>
[TestFixture]
public sealed class RedisAdapterTests : AdapterSpecification
{
    private RedisServer? _redis;

    protected override int ServerCount => 3;

    protected override async Task StartBackplaneAsync() => _redis = await RedisServer.StartAsync();

    protected override void UseAdapter(SocketIoBuilder builder, int index) =>
        builder.AddRedisAdapter(o => o.Configuration = _redis!.Endpoint);

    protected override async ValueTask StopBackplaneAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
