using System.Buffers;
using System.Collections.Immutable;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo;
using StackExchange.Redis;

namespace SocketIoChat.Redis;

/// <summary>
/// Sends to the clients of a Socket.IO cluster from a process that is not a server (a worker, a
/// web API), through Redis — the counterpart of Node's <c>@socket.io/redis-emitter</c>, with the
/// same messages, so it drives Node servers on <c>@socket.io/redis-adapter</c> as well as ours.
/// Immutable: each targeting method returns a new emitter, so one can be kept and reused.
/// </summary>
/// <example>
/// <code>
/// var emitter = new RedisEmitter(await ConnectionMultiplexer.ConnectAsync("localhost:6379"));
/// await emitter.Of("/chat").To("room1").EmitAsync("news", new { title = "…" });
/// await emitter.In("room1").SocketsJoinAsync("room2");
/// </code>
/// </example>
public sealed class RedisEmitter
{
    private readonly ISubscriber _publisher;
    private readonly string _key;
    private readonly ClassicChannels _channels;
    private readonly ImmutableHashSet<string> _rooms;
    private readonly ImmutableHashSet<string> _except;
    private readonly bool _volatile;
    private readonly bool _compress;

    /// <summary>An emitter for namespace <paramref name="nsp"/> under <paramref name="key"/> (the servers' <c>key</c>, default <c>socket.io</c>).</summary>
    public RedisEmitter(IConnectionMultiplexer redis, string key = ClassicChannels.DefaultKey, string nsp = "/")
        : this(redis.GetSubscriber(), key, Normalize(nsp), ImmutableHashSet.Create<string>(StringComparer.Ordinal), ImmutableHashSet.Create<string>(StringComparer.Ordinal), false, true)
    {
    }

    private RedisEmitter(ISubscriber publisher, string key, string nsp, ImmutableHashSet<string> rooms, ImmutableHashSet<string> except, bool isVolatile, bool compress)
    {
        _publisher = publisher;
        _key = key;
        _channels = new ClassicChannels(key, nsp);
        _rooms = rooms;
        _except = except;
        _volatile = isVolatile;
        _compress = compress;
    }

    /// <summary>The namespace this emitter sends to.</summary>
    public string Namespace => _channels.Namespace;

    /// <summary>The same emitter for namespace <paramref name="nsp"/> (a missing leading <c>/</c> is added), with no rooms or flags.</summary>
    public RedisEmitter Of(string nsp) =>
        new(_publisher, _key, Normalize(nsp), _rooms.Clear(), _except.Clear(), false, true);

    /// <summary>Targets the sockets in <paramref name="rooms"/> (a socket id names its own room).</summary>
    public RedisEmitter To(params string[] rooms) => With(rooms: _rooms.Union(rooms));

    /// <summary>Same as <see cref="To"/>.</summary>
    public RedisEmitter In(params string[] rooms) => To(rooms);

    /// <summary>Leaves out the sockets in <paramref name="rooms"/>.</summary>
    public RedisEmitter Except(params string[] rooms) => With(except: _except.Union(rooms));

    /// <summary>Dropped for clients whose transport cannot take it right now (Node <c>volatile</c>).</summary>
    public RedisEmitter Volatile => With(isVolatile: true);

    /// <summary>Whether the servers may compress the packet (Node <c>compress</c>, default true).</summary>
    public RedisEmitter Compress(bool compress) => With(compress: compress);

    /// <summary>
    /// Sends the event to the targeted sockets of every server. Binary arguments (<c>byte[]</c>)
    /// reach the clients as attachments. Completes once Redis took the message.
    /// </summary>
    /// <exception cref="ArgumentException">The name is one the clients reserve (<c>connect</c>, <c>disconnect</c>…).</exception>
    public Task EmitAsync(string eventName, params object?[] args)
    {
        EventNames.CheckEmittable(eventName);
        var options = new RemoteBroadcastOptions([.. _rooms], [.. _except], Flags());
        return PublishAsync(_channels.BroadcastChannel(_rooms), w => ClassicMessages.WriteBroadcast(w, ClassicMessages.EmitterUid, Namespace, eventName, args, options));
    }

    /// <summary>Makes the targeted sockets of every server join <paramref name="rooms"/> (Node <c>socketsJoin</c>).</summary>
    public Task SocketsJoinAsync(params string[] rooms) =>
        PublishAsync(_channels.Request, w => ClassicMessages.WriteRemoteRoomsRequest(w, true, null, Target(), rooms));

    /// <summary>Makes the targeted sockets of every server leave <paramref name="rooms"/> (Node <c>socketsLeave</c>).</summary>
    public Task SocketsLeaveAsync(params string[] rooms) =>
        PublishAsync(_channels.Request, w => ClassicMessages.WriteRemoteRoomsRequest(w, false, null, Target(), rooms));

    /// <summary>Disconnects the targeted sockets of every server; with <paramref name="close"/>, their connections too.</summary>
    public Task DisconnectSocketsAsync(bool close = false) =>
        PublishAsync(_channels.Request, w => ClassicMessages.WriteRemoteDisconnectRequest(w, null, Target(), close));

    /// <summary>
    /// Sends an event to every server (their <c>OnServerSideEmit</c> handlers, Node's
    /// <c>io.on(event)</c>). There is no acknowledgement from an emitter, as in the reference.
    /// </summary>
    /// <exception cref="ArgumentException">The name is reserved (<c>connect</c>, <c>connection</c>, <c>new_namespace</c>).</exception>
    public Task ServerSideEmitAsync(string eventName, params object?[] args)
    {
        if (eventName is "connect" or "connection" or "new_namespace")
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
        return PublishAsync(_channels.Request, w => ClassicMessages.WriteServerSideEmitRequest(w, ClassicMessages.EmitterUid, null, eventName, args));
    }

    private RemoteBroadcastOptions Target() => new([.. _rooms], [.. _except]);

    private RemoteBroadcastFlags Flags() =>
        !_volatile && _compress ? RemoteBroadcastFlags.None : new RemoteBroadcastFlags { Volatile = _volatile ? true : null, Compress = _compress ? null : false };

    private RedisEmitter With(ImmutableHashSet<string>? rooms = null, ImmutableHashSet<string>? except = null, bool? isVolatile = null, bool? compress = null) =>
        new(_publisher, _key, Namespace, rooms ?? _rooms, except ?? _except, isVolatile ?? _volatile, compress ?? _compress);

    private Task PublishAsync(string channel, Action<IBufferWriter<byte>> write) => _publisher.PublishAsync(channel, write);

    private static string Normalize(string nsp) => nsp.StartsWith('/') ? nsp : "/" + nsp;
}
