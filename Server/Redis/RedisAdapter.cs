using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using Newtonsoft.Json.Linq;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Adapter;
using StackExchange.Redis;

namespace SocketIoChat.Redis;

/// <summary>
/// The adapter of one namespace on the Redis pub/sub cluster, wire-compatible with Node's
/// <c>@socket.io/redis-adapter</c> 8.3 (<c>createAdapter</c>) and <c>@socket.io/redis-emitter</c>:
/// broadcasts go out as <c>[uid, packet, opts]</c> on <c>key#nsp#</c> (or the single room's
/// channel), the other operations as requests on <c>key-request#nsp#</c> answered on the response
/// channels. Connection state recovery stays per server, as with the Node adapter: a client that
/// comes back to the same server recovers (<see cref="SessionAwareAdapter"/>); on another server it
/// connects afresh.
/// </summary>
public sealed class RedisAdapter : SessionAwareAdapter
{
    private readonly RedisAdapterFactory _factory;
    private readonly ConcurrentDictionary<string, PendingRequest> _requests = new(StringComparer.Ordinal);
    private readonly string _uid = NodeIds.NewUid();
    private readonly RedisChannel _requestChannel;
    private readonly ISubscriber _subscriber;
    private int _disposed;

    internal RedisAdapter(Namespace ns, RedisAdapterFactory factory)
        : base(ns)
    {
        _factory = factory;
        Channels = new ClassicChannels(factory.Options.Key, ns.Name);
        _requestChannel = RedisChannel.Literal(Channels.Request);
        _subscriber = factory.Connection.GetSubscriber();
    }

    /// <summary>This adapter's id on the cluster (Node's <c>uid</c>): its own messages come back and are skipped by it.</summary>
    public string Uid => _uid;

    internal ClassicChannels Channels { get; }

    private TimeSpan RequestsTimeout => _factory.Options.RequestsTimeout;

    /// <inheritdoc />
    public override async Task InitAsync(CancellationToken cancellationToken = default)
    {
        await _factory.Subscribed;
        // Only so that PUBSUB NUMSUB counts this server: the messages arrive through the key's pattern.
        await _subscriber.SubscribeAsync(_requestChannel, static (_, _) => { });
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _factory.Remove(this);
        foreach (var request in _requests.Values)
        {
            request.Cancel();
        }
        try
        {
            await _subscriber.UnsubscribeAsync(_requestChannel);
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
        // Published before the local delivery, as the reference does; both start before this returns, so broadcasts keep their order.
        var published = options.Local
            ? Task.CompletedTask
            : PublishAsync(Channels.BroadcastChannel(options.Rooms), w => ClassicMessages.WriteBroadcast(w, _uid, Namespace.Name, packet.EventName, packet.Args, WireOptions.ToWire(options), Namespace.Server.JsonSerializer));
        BroadcastLocal(packet, options);
        return published;
    }

    /// <inheritdoc />
    public override async Task BroadcastWithAckAsync(BroadcastPacket packet, BroadcastOptions options, Action<int> clientCount, Action<JArray> ack, CancellationToken cancellationToken = default)
    {
        if (!options.Local)
        {
            var requestId = NodeIds.NewRequestId();
            var request = new BroadcastAckRequest(clientCount, ack);
            _requests[requestId] = request;
            // The answers are wanted for as long as the caller waits (Node keeps the request as long).
            var timeout = options.Timeout ?? Namespace.Server.Options.AckTimeout;
            _ = ForgetLaterAsync(requestId, timeout);
            var published = PublishAsync(Channels.Request, w => ClassicMessages.WriteBroadcastRequest(w, _uid, requestId, Namespace.Name, packet.EventName, packet.Args, WireOptions.ToWire(options), Namespace.Server.JsonSerializer));
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
        var result = await _factory.Connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", Channels.Request);
        var reply = (RedisResult[])result!;
        // [channel, count]; a server that is not subscribed yet still counts itself.
        return Math.Max(1, reply.Length >= 2 ? (int)reply[1] : 0);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlySet<string>> AllRoomsAsync(CancellationToken cancellationToken = default)
    {
        var rooms = new HashSet<string>(Rooms(), StringComparer.Ordinal);
        var servers = await ServerCountAsync(cancellationToken);
        if (servers <= 1)
        {
            return rooms;
        }
        var request = new CollectRequest(servers - 1);
        await RequestAsync(request, id => w => ClassicMessages.WriteAllRoomsRequest(w, _uid, id), RequestsTimeout,
            _ => "timeout reached while waiting for allRooms response", cancellationToken);
        foreach (var response in request.Responses)
        {
            rooms.UnionWith(response.Rooms() ?? []);
        }
        return rooms;
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        var local = FetchSocketsLocal(options);
        if (options.Local)
        {
            return local;
        }
        var servers = await ServerCountAsync(cancellationToken);
        if (servers <= 1)
        {
            return local;
        }
        var request = new CollectRequest(servers - 1);
        await RequestAsync(request, id => w => ClassicMessages.WriteRemoteFetchRequest(w, _uid, id, WireOptions.ToWire(options)), RequestsTimeout,
            _ => "timeout reached while waiting for fetchSockets response", cancellationToken);
        var all = new List<RemoteSocket>(local);
        foreach (var response in request.Responses)
        {
            foreach (var info in response.FetchedSockets() ?? [])
            {
                all.Add(RemoteHandshake.ToRemoteSocket(Namespace, info));
            }
        }
        return all;
    }

    /// <inheritdoc />
    public override Task AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        ApplyEverywhere(options, () => AddSocketsLocal(options, rooms), w => ClassicMessages.WriteRemoteRoomsRequest(w, true, _uid, WireOptions.ToWire(options), rooms));

    /// <inheritdoc />
    public override Task DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        ApplyEverywhere(options, () => DeleteSocketsLocal(options, rooms), w => ClassicMessages.WriteRemoteRoomsRequest(w, false, _uid, WireOptions.ToWire(options), rooms));

    /// <inheritdoc />
    public override Task DisconnectSocketsAsync(BroadcastOptions options, bool close, CancellationToken cancellationToken = default) =>
        ApplyEverywhere(options, () => DisconnectSocketsLocal(options, close), w => ClassicMessages.WriteRemoteDisconnectRequest(w, _uid, WireOptions.ToWire(options), close));

    /// <summary>
    /// Publishes the request, then applies it here. The reference's origin applies it when its own
    /// request comes back from Redis; this one applies it at once and skips the echo, so each
    /// server applies it exactly once and this server's sockets do not wait for a round trip.
    /// </summary>
    private Task ApplyEverywhere(BroadcastOptions options, Action local, Action<IBufferWriter<byte>> write)
    {
        var published = options.Local ? Task.CompletedTask : PublishAsync(Channels.Request, write);
        local();
        return published;
    }

    /// <inheritdoc />
    public override Task ServerSideEmitAsync(string eventName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishAsync(Channels.Request, w => ClassicMessages.WriteServerSideEmitRequest(w, _uid, null, eventName, args, Namespace.Server.JsonSerializer));

    /// <inheritdoc />
    /// <exception cref="TimeoutException">Not every other server answered within <paramref name="timeout"/>; the message says how many did.</exception>
    public override async Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(string eventName, object?[] args, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var others = await ServerCountAsync(cancellationToken) - 1;
        if (others <= 0)
        {
            return [];
        }
        var request = new CollectRequest(others);
        await RequestAsync(request, id => w => ClassicMessages.WriteServerSideEmitRequest(w, _uid, id, eventName, args, Namespace.Server.JsonSerializer), timeout,
            r => $"timeout reached: only {r.Responses.Count} responses received out of {others}", cancellationToken);
        return [.. request.Responses.Select(r => (r as ServerSideEmitResponse)?.Data ?? JValue.CreateNull())];
    }

    /// <summary>
    /// Publishes a request under a fresh id and waits for the other servers' answers; throws a
    /// <see cref="TimeoutException"/> with the reference's message when they do not all come in time.
    /// </summary>
    private async Task RequestAsync(CollectRequest request, Func<string, Action<IBufferWriter<byte>>> write, TimeSpan timeout,
        Func<CollectRequest, string> timeoutMessage, CancellationToken cancellationToken)
    {
        var requestId = NodeIds.NewRequestId();
        _requests[requestId] = request;
        try
        {
            await PublishAsync(Channels.Request, write(requestId));
            await request.Done.WaitAsync(timeout, Namespace.Server.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            RedisLog.RequestTimedOut(_factory.Logger, Namespace.Name, requestId, request.Responses.Count, request.Expected);
            throw new TimeoutException(timeoutMessage(request));
        }
        finally
        {
            _requests.TryRemove(requestId, out _);
        }
    }

    private async Task ForgetLaterAsync(string requestId, TimeSpan timeout)
    {
        await Task.Delay(timeout, Namespace.Server.Time);
        _requests.TryRemove(requestId, out _);
    }

    // ---- Receiving ----

    /// <summary>A message of one of this namespace's channels, in the order Redis delivered them.</summary>
    internal void OnMessage(string channel, byte[] payload)
    {
        var match = Channels.Match(channel);
        switch (match.Kind)
        {
            case ChannelKind.Broadcast:
                OnBroadcast(payload);
                break;
            case ChannelKind.Request:
                OnRequest(ClassicMessages.DecodeRequest(payload));
                break;
            case ChannelKind.Response:
                OnResponse(ClassicMessages.DecodeResponse(payload));
                break;
            case ChannelKind.SpecificResponse when match.Uid == _uid:
                OnResponse(ClassicMessages.DecodeResponse(payload));
                break;
        }
    }

    private void OnBroadcast(byte[] payload)
    {
        var message = ClassicMessages.DecodeBroadcast(payload);
        if (message.Uid == _uid || message.Packet.Nsp != Namespace.Name || message.Packet.EventName is not { } eventName)
        {
            return;
        }
        var options = WireOptions.FromWire(message.Options);
        BroadcastLocal(NewPacket(eventName, message.Packet.Args(), compress: options.Compress), options);
    }

    private void OnRequest(ClassicRequest request)
    {
        if (request.Uid == _uid)
        {
            // Our own request, echoed: it was applied (or answered) here already.
            return;
        }
        switch (request)
        {
            case SocketsRequest sockets when sockets.RequestId is { } id:
                var ids = Sockets(new BroadcastOptions(WireOptions.ToSet(sockets.Rooms), ImmutableHashSet<string>.Empty));
                Respond(request, w => ClassicMessages.WriteSocketsResponse(w, id, ids));
                break;
            case AllRoomsRequest { RequestId: { } id }:
                var local = Rooms();
                Respond(request, w => ClassicMessages.WriteAllRoomsResponse(w, id, local));
                break;
            case RemoteRoomsRequest { Options: { } options } change:
                if (change.IsJoin)
                {
                    AddSocketsLocal(WireOptions.FromWire(options), change.Rooms);
                }
                else
                {
                    DeleteSocketsLocal(WireOptions.FromWire(options), change.Rooms);
                }
                break;
            case RemoteDisconnectRequest { Options: { } options } disconnect:
                DisconnectSocketsLocal(WireOptions.FromWire(options), disconnect.Close);
                break;
            case RemoteFetchRequest { RequestId: { } id } fetch:
                var found = FetchSocketsLocal(WireOptions.FromWire(fetch.Options)).Select(s => RemoteHandshake.ToInfo(s, Namespace.Server.JsonSerializer)).ToList();
                Respond(request, w => ClassicMessages.WriteRemoteFetchResponse(w, id, found));
                break;
            case ServerSideEmitRequest emit when emit.Data.Count > 0 && emit.Data[0].Type == JTokenType.String:
                OnServerSideEmit(emit);
                break;
            case BroadcastRequest { RequestId: { } id } broadcast when broadcast.Packet.EventName is { } eventName:
                OnBroadcastWithAck(request, id, eventName, broadcast);
                break;
        }
    }

    private void OnServerSideEmit(ServerSideEmitRequest emit)
    {
        var args = new JArray(emit.Data.Skip(1));
        Action<JToken?>? ack = null;
        if (emit.RequestId is { } id)
        {
            // Always on the common channel, as the reference answers these.
            ack = answer => Observe(Channels.Response, PublishAsync(Channels.Response, w => ClassicMessages.WriteServerSideEmitResponse(w, id, [answer])));
        }
        Namespace.ReceiveServerSideEmit((string)emit.Data[0]!, args, ack);
    }

    private void OnBroadcastWithAck(ClassicRequest request, string requestId, string eventName, BroadcastRequest broadcast)
    {
        var options = WireOptions.FromWire(broadcast.Options);
        var packet = NewPacket(eventName, broadcast.Packet.Args(), withAck: true, compress: options.Compress);
        var count = BroadcastWithAckLocal(packet, options, answer =>
            Respond(request, w => ClassicMessages.WriteBroadcastAckResponse(w, requestId, answer.Count > 0 ? [answer[0]] : [])));
        Respond(request, w => ClassicMessages.WriteBroadcastClientCountResponse(w, requestId, count));
        // Late answers have nobody to go to once the requester stopped waiting.
        var timeout = broadcast.Options.Flags.Timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : Namespace.Server.Options.AckTimeout;
        _ = ForgetAckLaterAsync(packet.AckId, timeout);
    }

    private async Task ForgetAckLaterAsync(long ackId, TimeSpan timeout)
    {
        await Task.Delay(timeout, Namespace.Server.Time);
        ForgetAck(ackId);
    }

    private void OnResponse(ClassicResponse response)
    {
        if (_requests.TryGetValue(response.RequestId, out var request))
        {
            request.OnResponse(response);
        }
    }

    private void Respond(ClassicRequest request, Action<IBufferWriter<byte>> write)
    {
        var channel = _factory.Options.PublishOnSpecificResponseChannel && request.Uid is { } uid ? Channels.SpecificResponse(uid) : Channels.Response;
        Observe(channel, PublishAsync(channel, write));
    }

    // ---- Publishing ----

    private Task PublishAsync(string channel, Action<IBufferWriter<byte>> write) => _subscriber.PublishAsync(channel, write);

    private void Observe(string channel, Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            _ = task.ContinueWith(
                t => RedisLog.PublishFailed(_factory.Logger, Namespace.Name, channel, t.Exception!.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    // ---- Pending requests ----

    private abstract class PendingRequest
    {
        public abstract void OnResponse(ClassicResponse response);

        public virtual void Cancel()
        {
        }
    }

    /// <summary>Collects the answers of the other servers; done when <see cref="Expected"/> arrived.</summary>
    private sealed class CollectRequest(int expected) : PendingRequest
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<ClassicResponse> _responses = [];

        public int Expected => expected;

        public Task Done => _done.Task;

        public IReadOnlyList<ClassicResponse> Responses
        {
            get
            {
                lock (_responses)
                {
                    return [.. _responses];
                }
            }
        }

        public override void OnResponse(ClassicResponse response)
        {
            lock (_responses)
            {
                _responses.Add(response);
                if (_responses.Count >= expected)
                {
                    _done.TrySetResult();
                }
            }
        }

        public override void Cancel() => _done.TrySetCanceled();
    }

    /// <summary>A broadcast with acknowledgements: each server's client count, then each client's answer.</summary>
    private sealed class BroadcastAckRequest(Action<int> clientCount, Action<JArray> ack) : PendingRequest
    {
        public override void OnResponse(ClassicResponse response)
        {
            switch (response)
            {
                case BroadcastClientCountResponse count:
                    clientCount((int)count.ClientCount);
                    break;
                case BroadcastAckResponse answer:
                    // Node hands the caller the first argument of each client's answer.
                    ack(answer.Packet is null ? [] : new JArray(answer.Packet));
                    break;
            }
        }
    }
}
