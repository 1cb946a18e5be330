using Newtonsoft.Json.Linq;

namespace SocketIoChat.Redis.Protocol;

/// <summary>The <c>type</c> of a classic adapter request or response (<c>RequestType</c> of <c>@socket.io/redis-adapter</c> 8.x).</summary>
internal enum RequestType
{
    /// <summary><c>{uid, requestId, type:0, rooms}</c> (JSON); only ≤ 7.x peers send it.</summary>
    Sockets = 0,

    /// <summary><c>{uid, requestId, type:1}</c> (JSON).</summary>
    AllRooms = 1,

    /// <summary><c>{uid, type:2, opts:{rooms, except}, rooms}</c> (JSON), or legacy <c>{requestId, sid, room}</c>.</summary>
    RemoteJoin = 2,

    /// <summary><c>{uid, type:3, opts:{rooms, except}, rooms}</c> (JSON), or legacy <c>{requestId, sid, room}</c>.</summary>
    RemoteLeave = 3,

    /// <summary><c>{uid, type:4, opts:{rooms, except}, close}</c> (JSON), or legacy <c>{requestId, sid, close}</c>.</summary>
    RemoteDisconnect = 4,

    /// <summary><c>{uid, requestId, type:5, opts:{rooms, except}}</c> (JSON).</summary>
    RemoteFetch = 5,

    /// <summary><c>{uid, type:6, data:[event, ...args]}</c> + <c>requestId</c> when an ack is wanted (JSON).</summary>
    ServerSideEmit = 6,

    /// <summary><c>{uid, requestId, type:7, packet, opts}</c> (msgpack map): a broadcast with acks.</summary>
    Broadcast = 7,

    /// <summary>Response <c>{type:8, requestId, clientCount}</c> (JSON).</summary>
    BroadcastClientCount = 8,

    /// <summary>Response <c>{type:9, requestId, packet}</c> (msgpack map).</summary>
    BroadcastAck = 9,
}

/// <summary>
/// The un-encoded socket.io packet carried between servers: <c>{type:2, data:[event, ...args], nsp, id?}</c>.
/// </summary>
/// <param name="Nsp">The namespace name (<c>"/"</c> when the message had none).</param>
/// <param name="Data">The event name followed by its arguments (binary arguments are <see cref="JTokenType.Bytes"/> tokens).</param>
internal sealed record RemotePacket(string Nsp, JArray Data)
{
    /// <summary>The socket.io packet type; always 2 (EVENT) from Node peers.</summary>
    public int Type { get; init; } = 2;

    /// <summary>The packet id, when the message carried one.</summary>
    public long? Id { get; init; }

    /// <summary>The event name (<c>Data[0]</c>), or null when it is missing or not a string.</summary>
    public string? EventName => Data.Count > 0 && Data[0].Type == JTokenType.String ? (string?)Data[0] : null;

    /// <summary>The arguments after the event name.</summary>
    public JToken[] Args() => Data.Count > 1 ? Data.Skip(1).ToArray() : [];
}

/// <summary>
/// Broadcast flags on the wire (<c>BroadcastFlags</c> of socket.io-adapter + <c>expectSingleResponse</c>); each is
/// null when the message did not carry it. Unknown flags are kept in <see cref="Other"/> and written back after the known ones.
/// </summary>
internal sealed record RemoteBroadcastFlags
{
    /// <summary>No flag set: <c>{}</c>.</summary>
    public static readonly RemoteBroadcastFlags None = new();

    /// <summary><c>expectSingleResponse</c>: set by a RemoteSocket's emit.</summary>
    public bool? ExpectSingleResponse { get; init; }

    /// <summary><c>volatile</c>.</summary>
    public bool? Volatile { get; init; }

    /// <summary><c>compress</c>.</summary>
    public bool? Compress { get; init; }

    /// <summary><c>local</c> (never published by Node).</summary>
    public bool? Local { get; init; }

    /// <summary><c>broadcast</c>.</summary>
    public bool? Broadcast { get; init; }

    /// <summary><c>binary</c>.</summary>
    public bool? Binary { get; init; }

    /// <summary><c>timeout</c> in ms (a fractional value is rounded up).</summary>
    public long? Timeout { get; init; }

    /// <summary>Flags this codec does not know, by name, in message order; null when there are none.</summary>
    public IReadOnlyDictionary<string, JToken>? Other { get; init; }

    /// <summary>True when no flag at all is set.</summary>
    public bool IsEmpty => ExpectSingleResponse is null && Volatile is null && Compress is null && Local is null
                           && Broadcast is null && Binary is null && Timeout is null && (Other is null || Other.Count == 0);
}

/// <summary>Broadcast options on the wire: <c>{rooms, except, flags}</c>.</summary>
/// <param name="Rooms">Target rooms; empty = every socket of the namespace. Numeric rooms arrive as their JS string form.</param>
/// <param name="Except">Rooms whose sockets are left out.</param>
/// <param name="Flags">The flags (<see cref="RemoteBroadcastFlags.None"/> when missing; requests 2–5 carry none).</param>
internal sealed record RemoteBroadcastOptions(IReadOnlyList<string> Rooms, IReadOnlyList<string> Except, RemoteBroadcastFlags Flags)
{
    /// <summary>Every socket, no flag.</summary>
    public static readonly RemoteBroadcastOptions All = new([], [], RemoteBroadcastFlags.None);

    /// <summary>Options without flags.</summary>
    public RemoteBroadcastOptions(IReadOnlyList<string> rooms, IReadOnlyList<string> except)
        : this(rooms, except, RemoteBroadcastFlags.None)
    {
    }
}

/// <summary>A broadcast message of the classic adapter or the emitter: msgpack <c>[uid, packet, opts]</c>.</summary>
/// <param name="Uid">The publisher's uid (<c>"emitter"</c> for <c>@socket.io/redis-emitter</c>); drop own echoes by it.</param>
/// <param name="Packet">The packet; drop it when its <see cref="RemotePacket.Nsp"/> is not the receiving namespace.</param>
/// <param name="Options">Rooms, except and flags.</param>
internal sealed record ClassicBroadcast(string Uid, RemotePacket Packet, RemoteBroadcastOptions Options)
{
    /// <summary>True when a Redis emitter published it.</summary>
    public bool IsFromEmitter => Uid == ClassicMessages.EmitterUid;
}

/// <summary>A decoded message of the request channel <c>P-request#N#</c>.</summary>
/// <param name="Uid">The requester's uid: null from the emitter's socketsJoin/Leave/disconnectSockets, <c>"emitter"</c> from its serverSideEmit.</param>
/// <param name="RequestId">The request id, when the request expects responses.</param>
internal abstract record ClassicRequest(string? Uid, string? RequestId)
{
    /// <summary>The request type, or null for <see cref="UnknownRequest"/>.</summary>
    public abstract RequestType? Type { get; }

    /// <summary>True when a Redis emitter sent it (no uid, or uid <c>"emitter"</c>).</summary>
    public bool IsFromEmitter => Uid is null or ClassicMessages.EmitterUid;
}

/// <summary>SOCKETS (0): the ids of the local sockets in <paramref name="Rooms"/> (sent only by ≤ 7.x peers).</summary>
internal sealed record SocketsRequest(string? Uid, string? RequestId, IReadOnlyList<string> Rooms) : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => RequestType.Sockets;
}

/// <summary>ALL_ROOMS (1): the names of all local rooms.</summary>
internal sealed record AllRoomsRequest(string? Uid, string? RequestId) : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => RequestType.AllRooms;
}

/// <summary>
/// REMOTE_JOIN (2) / REMOTE_LEAVE (3): make the sockets matching <paramref name="Options"/> join or leave
/// <paramref name="Rooms"/>. Legacy form (<paramref name="Options"/> null): socket <paramref name="Sid"/> joins or
/// leaves <paramref name="Room"/>, answered with <c>{requestId}</c>.
/// </summary>
internal sealed record RemoteRoomsRequest(
    RequestType Kind, string? Uid, string? RequestId, RemoteBroadcastOptions? Options, IReadOnlyList<string> Rooms, string? Sid, string? Room)
    : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => Kind;

    /// <summary>True for REMOTE_JOIN, false for REMOTE_LEAVE.</summary>
    public bool IsJoin => Kind == RequestType.RemoteJoin;
}

/// <summary>
/// REMOTE_DISCONNECT (4): disconnect the sockets matching <paramref name="Options"/> (closing the
/// connection when <paramref name="Close"/>). Legacy form (<paramref name="Options"/> null): socket <paramref name="Sid"/>.
/// </summary>
internal sealed record RemoteDisconnectRequest(string? Uid, string? RequestId, RemoteBroadcastOptions? Options, bool Close, string? Sid)
    : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => RequestType.RemoteDisconnect;
}

/// <summary>REMOTE_FETCH (5): describe the local sockets matching <paramref name="Options"/>.</summary>
internal sealed record RemoteFetchRequest(string? Uid, string? RequestId, RemoteBroadcastOptions Options) : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => RequestType.RemoteFetch;
}

/// <summary>SERVER_SIDE_EMIT (6): <paramref name="Data"/> = <c>[event, ...args]</c>; an ack is wanted when <see cref="ClassicRequest.RequestId"/> is set.</summary>
internal sealed record ServerSideEmitRequest(string? Uid, string? RequestId, JArray Data) : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => RequestType.ServerSideEmit;
}

/// <summary>BROADCAST (7): broadcast <paramref name="Packet"/> locally with acks, then answer with 8 and 9.</summary>
internal sealed record BroadcastRequest(string? Uid, string? RequestId, RemotePacket Packet, RemoteBroadcastOptions Options)
    : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => RequestType.Broadcast;
}

/// <summary>A request of another or no type (Node ignores them), with its whole body.</summary>
internal sealed record UnknownRequest(string? Uid, string? RequestId, JToken? TypeCode, JObject Body) : ClassicRequest(Uid, RequestId)
{
    /// <inheritdoc/>
    public override RequestType? Type => null;
}

/// <summary>
/// A decoded message of a response channel. Node matches responses by <see cref="RequestId"/> only and reads them by
/// the type of its own pending request; only SERVER_SIDE_EMIT, BROADCAST_CLIENT_COUNT and BROADCAST_ACK responses say
/// their type. <see cref="Body"/> keeps the whole message.
/// </summary>
internal abstract record ClassicResponse(string RequestId, JObject Body)
{
    /// <summary>The <c>rooms</c> array (ALL_ROOMS response), or null when missing.</summary>
    public IReadOnlyList<string>? Rooms() => ClassicMessages.StringList(Body["rooms"]);

    /// <summary>The <c>sockets</c> array as socket ids (SOCKETS response), or null when missing.</summary>
    public IReadOnlyList<string>? SocketIds() => ClassicMessages.StringList(Body["sockets"]);

    /// <summary>The <c>sockets</c> array as socket descriptions (REMOTE_FETCH response), or null when missing.</summary>
    public IReadOnlyList<RemoteSocketInfo>? FetchedSockets() => ClassicMessages.SocketInfos(Body["sockets"]);
}

/// <summary>A response without <c>type</c>: ALL_ROOMS, REMOTE_FETCH, SOCKETS or a legacy <c>{requestId}</c> acknowledgement.</summary>
internal sealed record PlainResponse(string RequestId, JObject Body) : ClassicResponse(RequestId, Body);

/// <summary>SERVER_SIDE_EMIT response <c>{type:6, requestId, data}</c>: <paramref name="Data"/> is the first ack argument (null when there was none).</summary>
internal sealed record ServerSideEmitResponse(string RequestId, JToken? Data, JObject Body) : ClassicResponse(RequestId, Body);

/// <summary>BROADCAST_CLIENT_COUNT response <c>{type:8, requestId, clientCount}</c>.</summary>
internal sealed record BroadcastClientCountResponse(string RequestId, long ClientCount, JObject Body) : ClassicResponse(RequestId, Body);

/// <summary>BROADCAST_ACK response <c>{type:9, requestId, packet}</c>: <paramref name="Packet"/> is the client's first ack argument (null when there was none).</summary>
internal sealed record BroadcastAckResponse(string RequestId, JToken? Packet, JObject Body) : ClassicResponse(RequestId, Body);

/// <summary>One socket of a REMOTE_FETCH response: <c>{id, handshake, rooms, data}</c>.</summary>
/// <param name="Id">The socket id.</param>
/// <param name="Handshake">socket.io's handshake object (<c>headers, time, address, xdomain, secure, issued, url, query, auth</c>).</param>
/// <param name="Rooms">The socket's rooms (its own id included).</param>
/// <param name="Data">The socket's <c>data</c> (null when missing); binary values inside are Buffer objects (JSON).</param>
internal sealed record RemoteSocketInfo(string Id, JToken Handshake, IReadOnlyList<string> Rooms, JToken? Data);
