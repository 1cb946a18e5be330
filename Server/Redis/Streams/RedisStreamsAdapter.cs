using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Adapter;
using StackExchange.Redis;

namespace SocketIoChat.Redis.Streams;

/// <summary>
/// The adapter of one namespace on a Redis stream, wire-compatible with Node's
/// <c>@socket.io/redis-streams-adapter</c> 0.3: broadcasts and room operations are appended to the
/// stream (<c>XADD</c>), whose entry id is the connection state recovery offset; requests that need
/// no history and the answers go through pub/sub; disconnected sessions are kept in Redis
/// (<c>SET sio:session:&lt;pid&gt; … PX</c>), so a client recovers on ANY server of the cluster.
/// </summary>
public sealed partial class RedisStreamsAdapter : SocketIoAdapter
{
    private readonly RedisStreamsAdapterFactory _factory;
    private readonly ConcurrentDictionary<string, Action<ClusterMessage>> _requests = new(StringComparer.Ordinal);
    private readonly string _uid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private readonly RedisChannel _publicChannel;
    private readonly RedisChannel _privateChannel;
    private readonly Lock _orderLock = new();
    private Task _lastLocalDelivery = Task.CompletedTask;
    private int _disposed;

    internal RedisStreamsAdapter(Namespace ns, RedisStreamsAdapterFactory factory)
        : base(ns)
    {
        _factory = factory;
        var prefix = factory.Options.ChannelPrefix + "#" + ns.Name + "#";
        _publicChannel = RedisChannel.Literal(prefix);
        _privateChannel = RedisChannel.Literal(prefix + _uid + "#");
    }

    /// <summary>This adapter's id on the cluster (16 hex digits, as Node's ClusterAdapter).</summary>
    public string Uid => _uid;

    private IDatabase Database => _factory.Connection.GetDatabase();

    private ISubscriber Subscriber => _factory.Connection.GetSubscriber();

    private RedisStreamsAdapterOptions Options => _factory.Options;

    /// <inheritdoc />
    public override async Task InitAsync(CancellationToken cancellationToken = default)
    {
        (await Subscriber.SubscribeAsync(_publicChannel)).OnMessage(message => OnPubSub(message.Message));
        (await Subscriber.SubscribeAsync(_privateChannel)).OnMessage(message => OnPubSub(message.Message));
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _factory.Remove(this);
        try
        {
            await Subscriber.UnsubscribeAsync(_publicChannel);
            await Subscriber.UnsubscribeAsync(_privateChannel);
        }
        catch (RedisException)
        {
            // Redis is gone: there is no subscription left to end.
        }
        await base.DisposeAsync();
    }

    // ---- Broadcasts ----

    /// <inheritdoc />
    public override Task BroadcastAsync(BroadcastPacket packet, BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Local)
        {
            BroadcastLocal(packet, options);
            return Task.CompletedTask;
        }
        var added = AddToStreamAsync(ClusterMessageType.Broadcast, new JObject
        {
            ["opts"] = ClusterMessages.Options(WireOptions.ToWire(options)),
            ["packet"] = ClusterMessages.Packet(packet.EventName, packet.Args, Namespace.Server.JsonSerializer),
        });
        // The entry id is the offset this server's own recipients get too: the local delivery
        // waits for it, and deliveries are chained so that broadcasts keep their order.
        lock (_orderLock)
        {
            _lastLocalDelivery = DeliverAfterAsync(_lastLocalDelivery, added, packet, options);
            return _lastLocalDelivery;
        }
    }

    private async Task DeliverAfterAsync(Task previous, Task<string> added, BroadcastPacket packet, BroadcastOptions options)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // That broadcast's own caller is told; this one goes on.
        }
        string offset;
        try
        {
            offset = await added;
        }
        catch (Exception)
        {
            // As the reference: the local clients get it even when Redis could not take it.
            BroadcastLocal(packet, options);
            throw;
        }
        if (KeepsOffset(packet, options))
        {
            packet.SetOffset(offset);
        }
        BroadcastLocal(packet, options);
    }

    /// <inheritdoc />
    public override async Task BroadcastWithAckAsync(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack, CancellationToken cancellationToken = default)
    {
        if (!options.Local)
        {
            var requestId = NewRequestId();
            _requests[requestId] = response =>
            {
                switch (response.Type)
                {
                    case ClusterMessageType.BroadcastClientCount:
                        clientCount((int)(JsValues.ToNumber(response.Data["clientCount"]) ?? 0));
                        break;
                    case ClusterMessageType.BroadcastAck:
                        ack(response.Data["packet"] is { } answer ? new JArray(answer) : []);
                        break;
                }
            };
            _ = ForgetLaterAsync(requestId, options.Timeout ?? Namespace.Server.Options.AckTimeout);
            var published = PublishAsync(_publicChannel, ClusterMessageType.Broadcast, new JObject
            {
                ["opts"] = ClusterMessages.Options(WireOptions.ToWire(options)),
                ["packet"] = ClusterMessages.Packet(packet.EventName, packet.Args, Namespace.Server.JsonSerializer),
                ["requestId"] = requestId,
            });
            clientCount(BroadcastWithAckLocal(packet, options, ack));
            await published;
            return;
        }
        clientCount(BroadcastWithAckLocal(packet, options, ack));
    }

    // ---- Server-side operations ----

    /// <inheritdoc />
    public override async Task<int> ServerCountAsync(CancellationToken cancellationToken = default)
    {
        var reply = (RedisResult[])(await Database.ExecuteAsync("PUBSUB", "NUMSUB", _publicChannel.ToString()))!;
        return Math.Max(1, reply.Length >= 2 ? (int)reply[1] : 0);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        var local = FetchSocketsLocal(options);
        if (options.Local)
        {
            return local;
        }
        var others = await ServerCountAsync(cancellationToken) - 1;
        if (others <= 0)
        {
            return local;
        }
        var responses = await RequestAsync(others, ClusterMessageType.FetchSockets, new JObject { ["opts"] = ClusterMessages.Options(WireOptions.ToWire(options)) },
            options.Timeout ?? Options.RequestsTimeout, cancellationToken);
        var all = new List<RemoteSocket>(local);
        foreach (var response in responses)
        {
            foreach (var info in ClassicMessages.SocketInfos(response.Data["sockets"]) ?? [])
            {
                all.Add(RemoteHandshake.ToRemoteSocket(Namespace, info));
            }
        }
        return all;
    }

    /// <inheritdoc />
    public override async Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default)
    {
        // As the reference: into the stream first, then here, so that a broadcast made before keeps its place.
        if (!options.Local)
        {
            await AddToStreamAsync(ClusterMessageType.SocketsJoin, new JObject { ["opts"] = ClusterMessages.Options(WireOptions.ToWire(options)), ["rooms"] = new JArray(rooms) });
        }
        AddSocketsLocal(options, rooms);
    }

    /// <inheritdoc />
    public override async Task DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default)
    {
        if (!options.Local)
        {
            await AddToStreamAsync(ClusterMessageType.SocketsLeave, new JObject { ["opts"] = ClusterMessages.Options(WireOptions.ToWire(options)), ["rooms"] = new JArray(rooms) });
        }
        DeleteSocketsLocal(options, rooms);
    }

    /// <inheritdoc />
    public override async Task DisconnectSocketsAsync(BroadcastOptions options, bool close, CancellationToken cancellationToken = default)
    {
        if (!options.Local)
        {
            await AddToStreamAsync(ClusterMessageType.DisconnectSockets, new JObject { ["opts"] = ClusterMessages.Options(WireOptions.ToWire(options)), ["close"] = close });
        }
        // After the broadcasts queued before it: they are delivered locally once their entry is added.
        await LastLocalDelivery().ContinueWith(_ => { }, TaskScheduler.Default);
        DisconnectSocketsLocal(options, close);
    }

    /// <inheritdoc />
    public override Task ServerSideEmitAsync(string eventName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishAsync(_publicChannel, ClusterMessageType.ServerSideEmit, new JObject { ["packet"] = ServerSidePacket(eventName, args) });

    /// <inheritdoc />
    /// <exception cref="TimeoutException">Not every other server answered within <paramref name="timeout"/>.</exception>
    public override async Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var others = await ServerCountAsync(cancellationToken) - 1;
        if (others <= 0)
        {
            return [];
        }
        var responses = await RequestAsync(others, ClusterMessageType.ServerSideEmit, new JObject { ["packet"] = ServerSidePacket(eventName, args) }, timeout, cancellationToken);
        return [.. responses.Select(r => r.Data["packet"] ?? JValue.CreateNull())];
    }

    private JArray ServerSidePacket(string eventName, object?[] args)
    {
        var packet = new JArray(eventName);
        foreach (var arg in args)
        {
            packet.Add(ClusterMessages.ToToken(arg, Namespace.Server.JsonSerializer));
        }
        return packet;
    }

    /// <summary>Publishes a request with a fresh id and collects <paramref name="expected"/> answers; the reference's message on timeout.</summary>
    private async Task<IReadOnlyList<ClusterMessage>> RequestAsync(int expected, ClusterMessageType type, JObject data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var requestId = NewRequestId();
        var responses = new List<ClusterMessage>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests[requestId] = response =>
        {
            lock (responses)
            {
                responses.Add(response);
                if (responses.Count >= expected)
                {
                    done.TrySetResult();
                }
            }
        };
        try
        {
            data["requestId"] = requestId;
            await PublishAsync(_publicChannel, type, data);
            await done.Task.WaitAsync(timeout, Namespace.Server.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            int received;
            lock (responses)
            {
                received = responses.Count;
            }
            throw new TimeoutException($"timeout reached: only {received} responses received out of {expected}");
        }
        finally
        {
            _requests.TryRemove(requestId, out _);
        }
        lock (responses)
        {
            return [.. responses];
        }
    }

    private async Task ForgetLaterAsync(string requestId, TimeSpan timeout)
    {
        await Task.Delay(timeout, Namespace.Server.Time);
        _requests.TryRemove(requestId, out _);
    }

    // ---- Receiving ----

    private void OnPubSub(RedisValue payload)
    {
        try
        {
            var message = ClusterMessages.FromPubSub((byte[])payload!);
            if (message.Nsp == Namespace.Name)
            {
                OnMessage(message, null);
            }
        }
        catch (Exception ex)
        {
            RedisLog.MessageFailed(_factory.Logger, _publicChannel.ToString(), ex);
        }
    }

    /// <summary>A message of another server, from the stream (with its entry id) or from pub/sub.</summary>
    internal void OnMessage(ClusterMessage message, string? entryId)
    {
        if (message.Uid == _uid)
        {
            return; // our own: applied here already
        }
        switch (message.Type)
        {
            case ClusterMessageType.Broadcast:
                OnBroadcast(message, entryId);
                break;
            case ClusterMessageType.SocketsJoin:
                AddSocketsLocal(FromWire(message.Data["opts"]), Rooms(message.Data["rooms"]));
                break;
            case ClusterMessageType.SocketsLeave:
                DeleteSocketsLocal(FromWire(message.Data["opts"]), Rooms(message.Data["rooms"]));
                break;
            case ClusterMessageType.DisconnectSockets:
                DisconnectSocketsLocal(FromWire(message.Data["opts"]), JsValues.Truthy(message.Data["close"]) == true);
                break;
            case ClusterMessageType.FetchSockets when message.RequestId is { } id:
                var sockets = new JArray(FetchSocketsLocal(FromWire(message.Data["opts"])).Select(ToJson));
                Respond(message, ClusterMessageType.FetchSocketsResponse, new JObject { ["requestId"] = id, ["sockets"] = sockets });
                break;
            case ClusterMessageType.ServerSideEmit when message.Data["packet"] is JArray { Count: > 0 } packet && packet[0].Type == JTokenType.String:
                OnServerSideEmit(message, packet);
                break;
            case ClusterMessageType.FetchSocketsResponse or ClusterMessageType.ServerSideEmitResponse
                or ClusterMessageType.BroadcastClientCount or ClusterMessageType.BroadcastAck:
                if (message.RequestId is { } requestId && _requests.TryGetValue(requestId, out var onResponse))
                {
                    onResponse(message);
                }
                break;
        }
    }

    private void OnBroadcast(ClusterMessage message, string? entryId)
    {
        var packet = ClassicMessages.ParsePacket(message.Data["packet"]);
        if (packet.EventName is not { } eventName)
        {
            return;
        }
        var options = FromWire(message.Data["opts"]);
        if (message.RequestId is { } requestId)
        {
            var withAck = NewPacket(eventName, packet.Args(), withAck: true, compress: options.Compress);
            var count = BroadcastWithAckLocal(withAck, options, answer =>
                Respond(message, ClusterMessageType.BroadcastAck, new JObject { ["requestId"] = requestId, ["packet"] = answer.Count > 0 ? answer[0] : null }));
            Respond(message, ClusterMessageType.BroadcastClientCount, new JObject { ["requestId"] = requestId, ["clientCount"] = count });
            return;
        }
        var plain = NewPacket(eventName, packet.Args(), compress: options.Compress);
        if (entryId is not null && KeepsOffset(plain, options))
        {
            plain.SetOffset(entryId);
        }
        BroadcastLocal(plain, options);
    }

    private void OnServerSideEmit(ClusterMessage message, JArray packet)
    {
        Action<JToken?>? ack = null;
        if (message.RequestId is { } id)
        {
            ack = answer => Respond(message, ClusterMessageType.ServerSideEmitResponse, new JObject { ["requestId"] = id, ["packet"] = answer });
        }
        Namespace.ReceiveServerSideEmit((string)packet[0]!, new JArray(packet.Skip(1)), ack);
    }

    private void Respond(ClusterMessage request, ClusterMessageType type, JObject data)
    {
        var channel = RedisChannel.Literal(Options.ChannelPrefix + "#" + Namespace.Name + "#" + request.Uid + "#");
        var task = PublishAsync(channel, type, data);
        if (!task.IsCompletedSuccessfully)
        {
            _ = task.ContinueWith(t => RedisLog.PublishFailed(_factory.Logger, Namespace.Name, channel.ToString(), t.Exception!.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    // ---- Sending ----

    private async Task<string> AddToStreamAsync(ClusterMessageType type, JObject data)
    {
        var fields = ClusterMessages.ToStreamFields(new ClusterMessage(_uid, Namespace.Name, type, data))
            .Select(f => new NameValueEntry(f.Name, f.Value)).ToArray();
        var id = await Database.StreamAddAsync(Options.StreamName, fields, maxLength: Options.MaxLength, useApproximateMaxLength: true);
        return id.ToString();
    }

    private Task PublishAsync(RedisChannel channel, ClusterMessageType type, JObject data) =>
        Subscriber.PublishAsync(channel, ClusterMessages.ToPubSub(new ClusterMessage(_uid, Namespace.Name, type, data)));

    private Task LastLocalDelivery()
    {
        lock (_orderLock)
        {
            return _lastLocalDelivery;
        }
    }

    private static string NewRequestId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Whether recovery keeps this packet (Node's <c>addOffsetIfNecessary</c>): an event without ack that is not volatile.</summary>
    private bool KeepsOffset(BroadcastPacket packet, BroadcastOptions options) =>
        Namespace.Recovery is not null && packet.AckId < 0 && !options.Volatile;

    private JObject ToJson(RemoteSocket socket)
    {
        var info = RemoteHandshake.ToInfo(socket, Namespace.Server.JsonSerializer);
        return new JObject { ["id"] = info.Id, ["handshake"] = info.Handshake, ["rooms"] = new JArray(info.Rooms), ["data"] = info.Data };
    }

    private static IReadOnlyCollection<string> Rooms(JToken? token) => ClassicMessages.StringList(token) ?? [];

    private static BroadcastOptions FromWire(JToken? token) => WireOptions.FromWire(ClassicMessages.ParseOptions(token));

    [GeneratedRegex(@"^[0-9]+-[0-9]+$")]
    private static partial Regex StreamId();
}
