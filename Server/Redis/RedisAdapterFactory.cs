using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Adapter;
using StackExchange.Redis;

namespace SocketIoChat.Redis;

/// <summary>
/// The Redis side of one server: one connection (so that <c>PUBSUB NUMSUB</c> counts this server
/// once), one ordered subscription to every channel of the key, and a <see cref="RedisAdapter"/>
/// per namespace, to which it routes each message. Registered by <c>AddRedisAdapter</c>.
/// </summary>
/// <remarks>
/// Everything of the key arrives through one pattern subscription (<c>key*</c>) consumed in order,
/// so a broadcast and a request published one after the other by a peer are handled in that order
/// (separate subscriptions could swap them). The request channel of each namespace is also
/// subscribed literally, only so that the other servers count this one.
/// </remarks>
public sealed class RedisAdapterFactory : ISocketIoAdapterFactory, ISocketIoAdapterHealth, IAsyncDisposable
{
    private int _disposed;
    private readonly ConcurrentDictionary<string, RedisAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly Lazy<Task<ChannelMessageQueue>> _queue;
    private readonly bool _ownsConnection;

    /// <summary>Connects to Redis with <paramref name="options"/> (the connection is retried in the background while Redis is away).</summary>
    public RedisAdapterFactory(IOptions<RedisAdapterOptions> options, ILoggerFactory loggerFactory)
        : this(Connect(options.Value), options.Value, loggerFactory, ownsConnection: true)
    {
    }

    /// <summary>Uses a connection the application made; it is not closed with the factory.</summary>
    public RedisAdapterFactory(IConnectionMultiplexer connection, RedisAdapterOptions options, ILoggerFactory loggerFactory)
        : this(connection, options, loggerFactory, ownsConnection: false)
    {
    }

    private RedisAdapterFactory(IConnectionMultiplexer connection, RedisAdapterOptions options, ILoggerFactory loggerFactory, bool ownsConnection)
    {
        Connection = connection;
        Options = options;
        Logger = loggerFactory.CreateLogger("SocketIoChat.Redis");
        _ownsConnection = ownsConnection;
        _queue = new Lazy<Task<ChannelMessageQueue>>(SubscribeAsync);
    }

    /// <summary>The Redis connection.</summary>
    public IConnectionMultiplexer Connection { get; }

    /// <summary>Healthy while the connection answers a PING.</summary>
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken) =>
        RedisHealth.CheckAsync(Connection, cancellationToken);

    internal RedisAdapterOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>Completes once the subscription to the key's channels is in place.</summary>
    internal Task Subscribed => _queue.Value;

    /// <inheritdoc />
    public SocketIoAdapter Create(Namespace ns)
    {
        var adapter = new RedisAdapter(ns, this);
        _adapters[ns.Name] = adapter;
        return adapter;
    }

    internal void Remove(RedisAdapter adapter) =>
        _adapters.TryRemove(new KeyValuePair<string, RedisAdapter>(adapter.Namespace.Name, adapter));

    private static ConnectionMultiplexer Connect(RedisAdapterOptions options)
    {
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        // Start even when Redis is not there yet, and keep trying, as the Node adapter's clients do.
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= "socketiochat";
        return ConnectionMultiplexer.Connect(configuration);
    }

    private async Task<ChannelMessageQueue> SubscribeAsync()
    {
        var queue = await Connection.GetSubscriber().SubscribeAsync(RedisChannel.Pattern(ClassicChannels.KeyPattern(Options.Key)));
        queue.OnMessage(OnMessageAsync);
        return queue;
    }

    private Task OnMessageAsync(ChannelMessage message)
    {
        var channel = message.Channel.ToString();
        var parsed = ClassicChannels.Parse(Options.Key, channel);
        if (parsed.Kind == ChannelKind.Foreign)
        {
            return Task.CompletedTask;
        }
        try
        {
            if (parsed.Namespace is { } nsp && _adapters.TryGetValue(nsp, out var adapter))
            {
                adapter.OnMessage(channel, (byte[])message.Message!);
            }
            else
            {
                // A namespace whose name has '#' in it is read wrongly by Parse: ask each adapter.
                foreach (var candidate in _adapters.Values)
                {
                    if (candidate.Channels.Match(channel).Kind != ChannelKind.Foreign)
                    {
                        candidate.OnMessage(channel, (byte[])message.Message!);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // One bad message (a foreign publisher, a newer peer) must not stop the subscription.
            RedisLog.MessageFailed(Logger, channel, ex);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as ISocketIoAdapterFactory: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (_queue.IsValueCreated && _queue.Value.IsCompletedSuccessfully)
        {
            await _queue.Value.Result.UnsubscribeAsync();
        }
        if (_ownsConnection)
        {
            await Connection.CloseAsync();
            Connection.Dispose();
        }
    }
}
