using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Adapter;
using StackExchange.Redis;

namespace SocketIoChat.Redis.Streams;

/// <summary>
/// The Redis side of one server on the streams adapter: a connection for commands and pub/sub, a
/// second one for the blocking stream read (a blocking command would stall every other command
/// sharing its connection), one read loop over the stream that hands each entry to the adapter of
/// its namespace, in stream order. Registered by <c>AddRedisStreamsAdapter</c>.
/// </summary>
public sealed class RedisStreamsAdapterFactory : ISocketIoAdapterFactory, ISocketIoAdapterHealth, IAsyncDisposable
{
    private int _disposed;
    private readonly ConcurrentDictionary<string, RedisStreamsAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer _reader;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<Task> _readLoop;

    /// <summary>Connects to Redis with <paramref name="options"/> (retried in the background while Redis is away).</summary>
    public RedisStreamsAdapterFactory(IOptions<RedisStreamsAdapterOptions> options, ILoggerFactory loggerFactory)
    {
        Options = options.Value;
        Logger = loggerFactory.CreateLogger("SocketIoChat.Redis");
        Connection = Connect(Options, TimeSpan.FromSeconds(5));
        // The blocking read must be allowed to outlast its block time.
        _reader = Connect(Options, Options.BlockTime + TimeSpan.FromSeconds(10));
        _readLoop = new Lazy<Task>(() => Task.Run(ReadLoopAsync));
    }

    /// <summary>The connection for commands and pub/sub.</summary>
    public IConnectionMultiplexer Connection { get; }

    /// <summary>Healthy while the command connection answers a PING and the stream reader is connected.</summary>
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken) =>
        _reader.IsConnected
            ? await RedisHealth.CheckAsync(Connection, cancellationToken)
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("The Redis stream reader is not connected.");

    internal RedisStreamsAdapterOptions Options { get; }

    internal ILogger Logger { get; }

    /// <inheritdoc />
    public SocketIoAdapter Create(Namespace ns)
    {
        var adapter = new RedisStreamsAdapter(ns, this);
        _adapters[ns.Name] = adapter;
        _ = _readLoop.Value;
        return adapter;
    }

    internal void Remove(RedisStreamsAdapter adapter) =>
        _adapters.TryRemove(new KeyValuePair<string, RedisStreamsAdapter>(adapter.Namespace.Name, adapter));

    private static ConnectionMultiplexer Connect(RedisStreamsAdapterOptions options, TimeSpan timeout)
    {
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= "socketiochat";
        configuration.AsyncTimeout = (int)timeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)timeout.TotalMilliseconds;
        return ConnectionMultiplexer.Connect(configuration);
    }

    /// <summary>
    /// Reads new entries (<c>XREAD BLOCK … STREAMS key $</c>, then from the last id seen) until the
    /// server stops; while Redis is away it retries every second.
    /// </summary>
    private async Task ReadLoopAsync()
    {
        var stream = Options.StreamName;
        var block = ((int)Options.BlockTime.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var count = Options.ReadCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var lastId = "$";
        var database = _reader.GetDatabase();
        while (!_stopping.IsCancellationRequested)
        {
            RedisResult reply;
            try
            {
                reply = await database.ExecuteAsync("XREAD", "BLOCK", block, "COUNT", count, "STREAMS", stream, lastId);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }
                RedisLog.ReadFailed(Logger, stream, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }
            if (reply.IsNull)
            {
                continue; // the block time passed without a new entry
            }
            try
            {
                foreach (var (id, fields) in Entries(reply))
                {
                    lastId = id;
                    Dispatch(id, fields);
                }
            }
            catch (Exception ex) when (ex is InvalidCastException or IndexOutOfRangeException)
            {
                // A reply of a shape we do not read: said once per read, and the loop goes on.
                RedisLog.ReadFailed(Logger, stream, ex);
            }
        }
    }

    private void Dispatch(string id, Dictionary<string, string> fields)
    {
        try
        {
            if (ClusterMessages.FromStreamFields(fields) is { } message && _adapters.TryGetValue(message.Nsp, out var adapter))
            {
                adapter.OnMessage(message, id);
            }
        }
        catch (Exception ex)
        {
            // One bad entry (a foreign writer, a newer peer) must not stop the read loop.
            RedisLog.MessageFailed(Logger, Options.StreamName + " " + id, ex);
        }
    }

    /// <summary>
    /// The entries of an XREAD reply: <c>[[stream, [[id, [field, value, …]], …]]]</c> over RESP2, a
    /// map <c>{stream: [[id, …], …]}</c> (flattened to key, value) over RESP3.
    /// </summary>
    internal static IEnumerable<(string Id, Dictionary<string, string> Fields)> Entries(RedisResult reply)
    {
        var items = (RedisResult[])reply!;
        var perStream = reply.Resp3Type == ResultType.Map
            ? items.Where((_, i) => i % 2 == 1)
            : items.Select(stream => ((RedisResult[])stream!)[1]);
        foreach (var entries in perStream)
        {
            foreach (var entry in StreamEntries(entries))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The entries of an XRANGE reply (or of one stream of an XREAD reply): <c>[[id, [field, value, …]], …]</c>.</summary>
    internal static IEnumerable<(string Id, Dictionary<string, string> Fields)> StreamEntries(RedisResult entries)
    {
        foreach (var entry in (RedisResult[])entries!)
        {
            var pair = (RedisResult[])entry!;
            var values = (RedisResult[])pair[1]!;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < values.Length; i += 2)
            {
                fields[(string)values[i]!] = (string)values[i + 1]!;
            }
            yield return ((string)pair[0]!, fields);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as ISocketIoAdapterFactory: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        // The read loop sees the cancellation when its blocked read ends with the closed connection;
        // nothing waits for it (a read may block for BlockTime).
        await _stopping.CancelAsync();
        await _reader.CloseAsync(allowCommandsToComplete: false);
        _reader.Dispose();
        await Connection.CloseAsync();
        Connection.Dispose();
    }
}
