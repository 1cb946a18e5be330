using System.Buffers;
using MessagePack;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Redis.Protocol;

/// <summary>
/// Encodes and decodes every message of the classic pub/sub protocol of <c>@socket.io/redis-adapter</c> 8.3.0
/// (<c>createAdapter</c>) and <c>@socket.io/redis-emitter</c> 5.1.0, with Node's key names and key order.
/// </summary>
/// <remarks>
/// <para>Encodings: broadcasts are msgpack arrays <c>[uid, packet, opts]</c>; requests and responses are JSON,
/// except BROADCAST (7) and BROADCAST_ACK (9), which are msgpack maps. Decoders sniff the first byte like Node
/// (<c>{</c> or <c>[</c> → JSON, else msgpack), so peers configured with a JSON parser are understood too.</para>
/// <para>Decoders do not depend on key order and fill in what Node tolerates missing (<c>nsp</c> → <c>"/"</c>,
/// <c>rooms</c>/<c>except</c> → empty, <c>flags</c> → none). What Node could not act on (no packet data, a
/// response without requestId, …) throws <see cref="FormatException"/>, as does any malformed input: the caller
/// drops the message.</para>
/// <para>Writers append one message to an <see cref="IBufferWriter{T}"/> (an <see cref="ArrayBufferWriter{T}"/>'s
/// <c>WrittenMemory</c> can be published as it is). Emit arguments are <c>object?</c> values as in
/// <see cref="MsgPackTokens.WriteValue"/>; in JSON messages binary values become Node's Buffer JSON form.</para>
/// </remarks>
internal static class ClassicMessages
{
    /// <summary>The uid <c>@socket.io/redis-emitter</c> publishes with (never a server's uid).</summary>
    public const string EmitterUid = "emitter";

    /// <summary>The socket.io EVENT packet type, the only one sent between servers.</summary>
    public const int EventPacketType = 2;

    // ================================================================ broadcast: [uid, packet, opts]

    /// <summary>Writes the broadcast message <c>[uid, {type:2, data:[eventName, ...args], nsp}, {rooms, except, flags}]</c> (msgpack).</summary>
    public static void WriteBroadcast(IBufferWriter<byte> output, string uid, string nsp, string eventName, IReadOnlyList<object?> args,
        RemoteBroadcastOptions options, JsonSerializer? serializer = null)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(3);
        writer.Write(uid);
        WritePacket(ref writer, nsp, eventName, args, null, serializer);
        WriteOptions(ref writer, options);
        writer.Flush();
    }

    /// <summary>Writes a broadcast message of an already decoded packet (msgpack).</summary>
    public static void WriteBroadcast(IBufferWriter<byte> output, string uid, RemotePacket packet, RemoteBroadcastOptions options)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(3);
        writer.Write(uid);
        WritePacket(ref writer, packet);
        WriteOptions(ref writer, options);
        writer.Flush();
    }

    /// <summary>Decodes a message of the broadcast channels <c>P#N#</c> / <c>P#N#room#</c>.</summary>
    /// <exception cref="FormatException">Not <c>[uid, packet, opts?]</c> with a packet that has a <c>data</c> array, or malformed.</exception>
    public static ClassicBroadcast DecodeBroadcast(ReadOnlyMemory<byte> message) => DecodeBroadcast(new ReadOnlySequence<byte>(message));

    /// <inheritdoc cref="DecodeBroadcast(ReadOnlyMemory{byte})"/>
    public static ClassicBroadcast DecodeBroadcast(in ReadOnlySequence<byte> message)
    {
        if (DecodeBody(message) is not JArray { Count: >= 2 } array)
        {
            throw new FormatException("a broadcast message must be an array [uid, packet, opts]");
        }
        var uid = JsValues.ToJsString(array[0]) ?? "";
        var packet = ParsePacket(array[1]);
        var options = ParseOptions(array.Count > 2 ? array[2] : null);
        return new ClassicBroadcast(uid, packet, options);
    }

    // ================================================================ requests (channel P-request#N#)

    /// <summary>SOCKETS (0), JSON <c>{uid, requestId, type:0, rooms}</c> (what a ≤ 7.x peer sends).</summary>
    public static void WriteSocketsRequest(IBufferWriter<byte> output, string uid, string requestId, IEnumerable<string> rooms) =>
        new NodeJsonWriter(output).StartObject()
            .Name("uid").String(uid).Name("requestId").String(requestId).Name("type").Number((long)RequestType.Sockets)
            .Name("rooms").Strings(Distinct(rooms))
            .EndObject();

    /// <summary>ALL_ROOMS (1), JSON <c>{uid, requestId, type:1}</c>.</summary>
    public static void WriteAllRoomsRequest(IBufferWriter<byte> output, string uid, string requestId) =>
        new NodeJsonWriter(output).StartObject()
            .Name("uid").String(uid).Name("requestId").String(requestId).Name("type").Number((long)RequestType.AllRooms)
            .EndObject();

    /// <summary>
    /// REMOTE_JOIN (2) or REMOTE_LEAVE (3), JSON <c>{uid, type, opts:{rooms, except}, rooms}</c> (no requestId, no flags);
    /// <paramref name="uid"/> null writes the emitter's form without <c>uid</c>.
    /// </summary>
    public static void WriteRemoteRoomsRequest(IBufferWriter<byte> output, bool join, string? uid, RemoteBroadcastOptions options, IEnumerable<string> rooms)
    {
        var json = new NodeJsonWriter(output).StartObject();
        if (uid is not null)
        {
            json.Name("uid").String(uid);
        }
        json.Name("type").Number((long)(join ? RequestType.RemoteJoin : RequestType.RemoteLeave));
        WriteJsonOptions(json.Name("opts"), options);
        json.Name("rooms").Strings(rooms).EndObject();
    }

    /// <summary>REMOTE_DISCONNECT (4), JSON <c>{uid, type:4, opts:{rooms, except}, close}</c>; <paramref name="uid"/> null = emitter form.</summary>
    public static void WriteRemoteDisconnectRequest(IBufferWriter<byte> output, string? uid, RemoteBroadcastOptions options, bool close)
    {
        var json = new NodeJsonWriter(output).StartObject();
        if (uid is not null)
        {
            json.Name("uid").String(uid);
        }
        json.Name("type").Number((long)RequestType.RemoteDisconnect);
        WriteJsonOptions(json.Name("opts"), options);
        json.Name("close").Bool(close).EndObject();
    }

    /// <summary>REMOTE_FETCH (5), JSON <c>{uid, requestId, type:5, opts:{rooms, except}}</c>.</summary>
    public static void WriteRemoteFetchRequest(IBufferWriter<byte> output, string uid, string requestId, RemoteBroadcastOptions options)
    {
        var json = new NodeJsonWriter(output).StartObject()
            .Name("uid").String(uid).Name("requestId").String(requestId).Name("type").Number((long)RequestType.RemoteFetch);
        WriteJsonOptions(json.Name("opts"), options);
        json.EndObject();
    }

    /// <summary>
    /// SERVER_SIDE_EMIT (6), JSON <c>{uid, requestId?, type:6, data:[eventName, ...args]}</c>: <paramref name="requestId"/>
    /// only when an ack is wanted; binary arguments become Buffer objects, as in Node. The emitter uses uid <c>"emitter"</c>.
    /// </summary>
    public static void WriteServerSideEmitRequest(IBufferWriter<byte> output, string uid, string? requestId, string eventName,
        IReadOnlyList<object?> args, JsonSerializer? serializer = null)
    {
        var json = new NodeJsonWriter(output, serializer).StartObject().Name("uid").String(uid);
        if (requestId is not null)
        {
            json.Name("requestId").String(requestId);
        }
        json.Name("type").Number((long)RequestType.ServerSideEmit).Name("data").StartArray().String(eventName);
        foreach (var arg in args)
        {
            json.Value(arg);
        }
        json.EndArray().EndObject();
    }

    /// <summary>BROADCAST (7), msgpack map <c>{uid, requestId, type:7, packet:{type:2, data, nsp}, opts:{rooms, except, flags}}</c>.</summary>
    public static void WriteBroadcastRequest(IBufferWriter<byte> output, string uid, string requestId, string nsp, string eventName,
        IReadOnlyList<object?> args, RemoteBroadcastOptions options, JsonSerializer? serializer = null)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(5);
        writer.Write("uid");
        writer.Write(uid);
        writer.Write("requestId");
        writer.Write(requestId);
        writer.Write("type");
        writer.Write((int)RequestType.Broadcast);
        writer.Write("packet");
        WritePacket(ref writer, nsp, eventName, args, null, serializer);
        writer.Write("opts");
        WriteOptions(ref writer, options);
        writer.Flush();
    }

    /// <summary>Decodes a message of the request channel (JSON or msgpack, by its first byte).</summary>
    /// <exception cref="FormatException">Not an object, a known type missing what Node needs (SERVER_SIDE_EMIT data, BROADCAST packet), or malformed.</exception>
    public static ClassicRequest DecodeRequest(ReadOnlyMemory<byte> message) => DecodeRequest(new ReadOnlySequence<byte>(message));

    /// <inheritdoc cref="DecodeRequest(ReadOnlyMemory{byte})"/>
    public static ClassicRequest DecodeRequest(in ReadOnlySequence<byte> message)
    {
        if (DecodeBody(message) is not JObject body)
        {
            throw new FormatException("a request must be an object");
        }
        var uid = StringOrNull(body["uid"]);
        var requestId = StringOrNull(body["requestId"]);
        switch (TypeCode(body["type"]))
        {
            case (int)RequestType.Sockets:
                return new SocketsRequest(uid, requestId, StringList(body["rooms"]) ?? []);
            case (int)RequestType.AllRooms:
                return new AllRoomsRequest(uid, requestId);
            case int type when type is (int)RequestType.RemoteJoin or (int)RequestType.RemoteLeave:
            {
                var kind = (RequestType)type;
                if (body["opts"] is JObject opts)
                {
                    return new RemoteRoomsRequest(kind, uid, requestId, ParseOptions(opts), StringList(body["rooms"]) ?? [], null, null);
                }
                var room = body["room"] is { Type: not JTokenType.Null } r ? JsValues.ToJsString(r) : null;
                return new RemoteRoomsRequest(kind, uid, requestId, null, room is null ? [] : [room], StringOrNull(body["sid"]), room);
            }
            case (int)RequestType.RemoteDisconnect:
            {
                var close = JsValues.Truthy(body["close"]) ?? false;
                return body["opts"] is JObject opts
                    ? new RemoteDisconnectRequest(uid, requestId, ParseOptions(opts), close, null)
                    : new RemoteDisconnectRequest(uid, requestId, null, close, StringOrNull(body["sid"]));
            }
            case (int)RequestType.RemoteFetch:
                return new RemoteFetchRequest(uid, requestId, ParseOptions(body["opts"]));
            case (int)RequestType.ServerSideEmit:
                return body["data"] is JArray data
                    ? new ServerSideEmitRequest(uid, requestId, data)
                    : throw new FormatException("a SERVER_SIDE_EMIT request without a data array");
            case (int)RequestType.Broadcast:
                return new BroadcastRequest(uid, requestId, ParsePacket(body["packet"]), ParseOptions(body["opts"]));
            default:
                return new UnknownRequest(uid, requestId, body["type"], body);
        }
    }

    // ================================================================ responses (P-response#N# and P-response#N#<uid>#)

    /// <summary>SOCKETS response, JSON <c>{requestId, sockets:[sid, ...]}</c>.</summary>
    public static void WriteSocketsResponse(IBufferWriter<byte> output, string requestId, IEnumerable<string> socketIds) =>
        new NodeJsonWriter(output).StartObject().Name("requestId").String(requestId).Name("sockets").Strings(socketIds).EndObject();

    /// <summary>ALL_ROOMS response, JSON <c>{requestId, rooms:[...]}</c> (every local room, socket-id rooms included).</summary>
    public static void WriteAllRoomsResponse(IBufferWriter<byte> output, string requestId, IEnumerable<string> rooms) =>
        new NodeJsonWriter(output).StartObject().Name("requestId").String(requestId).Name("rooms").Strings(rooms).EndObject();

    /// <summary>REMOTE_FETCH response, JSON <c>{requestId, sockets:[{id, handshake, rooms, data}, ...]}</c>.</summary>
    public static void WriteRemoteFetchResponse(IBufferWriter<byte> output, string requestId, IEnumerable<RemoteSocketInfo> sockets)
    {
        var json = new NodeJsonWriter(output).StartObject().Name("requestId").String(requestId).Name("sockets").StartArray();
        foreach (var socket in sockets)
        {
            json.StartObject()
                .Name("id").String(socket.Id)
                .Name("handshake").Token(socket.Handshake)
                .Name("rooms").Strings(socket.Rooms)
                .Name("data").Token(socket.Data)
                .EndObject();
        }
        json.EndArray().EndObject();
    }

    /// <summary>The answer to a legacy REMOTE_JOIN/LEAVE/DISCONNECT request, JSON <c>{requestId}</c>.</summary>
    public static void WriteLegacyResponse(IBufferWriter<byte> output, string requestId) =>
        new NodeJsonWriter(output).StartObject().Name("requestId").String(requestId).EndObject();

    /// <summary>
    /// SERVER_SIDE_EMIT response, JSON <c>{type:6, requestId, data}</c> with the first of <paramref name="ackArgs"/>
    /// (<c>data</c> left out when there is none, as <c>JSON.stringify</c> leaves out <c>undefined</c>). Node publishes it on
    /// the common response channel even with <c>publishOnSpecificResponseChannel</c>.
    /// </summary>
    public static void WriteServerSideEmitResponse(IBufferWriter<byte> output, string requestId, IReadOnlyList<object?> ackArgs,
        JsonSerializer? serializer = null)
    {
        var json = new NodeJsonWriter(output, serializer).StartObject()
            .Name("type").Number((long)RequestType.ServerSideEmit).Name("requestId").String(requestId);
        if (ackArgs.Count > 0)
        {
            json.Name("data").Value(ackArgs[0]);
        }
        json.EndObject();
    }

    /// <summary>BROADCAST_CLIENT_COUNT response, JSON <c>{type:8, requestId, clientCount}</c>.</summary>
    public static void WriteBroadcastClientCountResponse(IBufferWriter<byte> output, string requestId, long clientCount) =>
        new NodeJsonWriter(output).StartObject()
            .Name("type").Number((long)RequestType.BroadcastClientCount).Name("requestId").String(requestId)
            .Name("clientCount").Number(clientCount)
            .EndObject();

    /// <summary>
    /// BROADCAST_ACK response, msgpack map <c>{type:9, requestId, packet}</c> with a client's first ack argument
    /// (<c>packet</c> left out when there is none, as notepack leaves out <c>undefined</c>); binary stays bin.
    /// </summary>
    public static void WriteBroadcastAckResponse(IBufferWriter<byte> output, string requestId, IReadOnlyList<object?> ackArgs,
        JsonSerializer? serializer = null)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(ackArgs.Count > 0 ? 3 : 2);
        writer.Write("type");
        writer.Write((int)RequestType.BroadcastAck);
        writer.Write("requestId");
        writer.Write(requestId);
        if (ackArgs.Count > 0)
        {
            writer.Write("packet");
            MsgPackTokens.WriteValue(ref writer, ackArgs[0], serializer);
        }
        writer.Flush();
    }

    /// <summary>Decodes a message of a response channel (JSON or msgpack, by its first byte).</summary>
    /// <exception cref="FormatException">Not an object, no string <c>requestId</c>, a type 8 without numeric clientCount, or malformed.</exception>
    public static ClassicResponse DecodeResponse(ReadOnlyMemory<byte> message) => DecodeResponse(new ReadOnlySequence<byte>(message));

    /// <inheritdoc cref="DecodeResponse(ReadOnlyMemory{byte})"/>
    public static ClassicResponse DecodeResponse(in ReadOnlySequence<byte> message)
    {
        if (DecodeBody(message) is not JObject body)
        {
            throw new FormatException("a response must be an object");
        }
        var requestId = StringOrNull(body["requestId"]) ?? throw new FormatException("a response without requestId");
        switch (TypeCode(body["type"]))
        {
            case (int)RequestType.ServerSideEmit:
                return new ServerSideEmitResponse(requestId, body["data"], body);
            case (int)RequestType.BroadcastClientCount:
                return JsValues.ToNumber(body["clientCount"]) is { } count && double.IsFinite(count)
                    ? new BroadcastClientCountResponse(requestId, (long)count, body)
                    : throw new FormatException("a BROADCAST_CLIENT_COUNT response without a numeric clientCount");
            case (int)RequestType.BroadcastAck:
                return new BroadcastAckResponse(requestId, body["packet"], body);
            default:
                return new PlainResponse(requestId, body);
        }
    }

    // ================================================================ shared parts

    /// <summary>
    /// Decodes a whole message as Node does: first byte <c>{</c> (0x7b) → JSON (<c>[</c> too, for peers with a JSON
    /// parser), anything else → msgpack. A msgpack map or array never starts with either byte.
    /// </summary>
    /// <exception cref="FormatException">Empty or malformed.</exception>
    public static JToken DecodeBody(in ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(message);
        if (!reader.TryPeek(out var first))
        {
            throw new FormatException("empty message");
        }
        return first is (byte)'{' or (byte)'[' ? NodeJson.Parse(message) : MsgPackTokens.Decode(message);
    }

    /// <summary>Reads <c>{type, data, nsp, id?}</c>.</summary>
    internal static RemotePacket ParsePacket(JToken? token)
    {
        if (token is not JObject packet)
        {
            throw new FormatException("the packet must be an object");
        }
        if (packet["data"] is not JArray data)
        {
            throw new FormatException("the packet has no data array");
        }
        var nsp = packet["nsp"] switch
        {
            null => "/", // Node: packet.nsp ??= "/"
            { Type: JTokenType.String } s => (string)s!,
            _ => throw new FormatException("the packet's nsp is not a string"),
        };
        return new RemotePacket(nsp, data)
        {
            Type = TypeCode(packet["type"]) ?? EventPacketType,
            Id = JsValues.ToNumber(packet["id"]) is { } id && double.IsFinite(id) && Math.Floor(id) == id ? (long)id : null,
        };
    }

    /// <summary>Reads <c>{rooms, except, flags}</c>; anything missing (or not an object) is empty.</summary>
    internal static RemoteBroadcastOptions ParseOptions(JToken? token)
    {
        if (token is not JObject opts)
        {
            return RemoteBroadcastOptions.All;
        }
        return new RemoteBroadcastOptions(StringList(opts["rooms"]) ?? [], StringList(opts["except"]) ?? [], ParseFlags(opts["flags"]));
    }

    internal static RemoteBroadcastFlags ParseFlags(JToken? token)
    {
        if (token is not JObject { Count: > 0 } flags)
        {
            return RemoteBroadcastFlags.None;
        }
        var result = RemoteBroadcastFlags.None;
        Dictionary<string, JToken>? other = null;
        foreach (var property in flags.Properties())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "expectSingleResponse":
                    result = result with { ExpectSingleResponse = JsValues.Truthy(value) };
                    break;
                case "volatile":
                    result = result with { Volatile = JsValues.Truthy(value) };
                    break;
                case "compress":
                    result = result with { Compress = JsValues.Truthy(value) };
                    break;
                case "local":
                    result = result with { Local = JsValues.Truthy(value) };
                    break;
                case "broadcast":
                    result = result with { Broadcast = JsValues.Truthy(value) };
                    break;
                case "binary":
                    result = result with { Binary = JsValues.Truthy(value) };
                    break;
                case "timeout" when JsValues.ToNumber(value) is { } ms && !double.IsNaN(ms):
                    result = result with { Timeout = (long)Math.Clamp(Math.Ceiling(ms), long.MinValue, long.MaxValue) };
                    break;
                default:
                    (other ??= new Dictionary<string, JToken>(StringComparer.Ordinal))[property.Name] = value;
                    break;
            }
        }
        return other is null ? result : result with { Other = other };
    }

    /// <summary>A JSON/msgpack array of rooms as strings (numbers in their JS string form); null when not an array.</summary>
    internal static IReadOnlyList<string>? StringList(JToken? token)
    {
        if (token is not JArray array)
        {
            return null;
        }
        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item.Type != JTokenType.Null && JsValues.ToJsString(item) is { } text)
            {
                list.Add(text);
            }
        }
        return list;
    }

    /// <summary>The sockets of a REMOTE_FETCH response; items that are not objects are skipped; null when not an array.</summary>
    internal static IReadOnlyList<RemoteSocketInfo>? SocketInfos(JToken? token)
    {
        if (token is not JArray array)
        {
            return null;
        }
        var list = new List<RemoteSocketInfo>(array.Count);
        foreach (var item in array)
        {
            if (item is JObject socket)
            {
                list.Add(new RemoteSocketInfo(
                    JsValues.ToJsString(socket["id"]) ?? "",
                    socket["handshake"] ?? new JObject(),
                    StringList(socket["rooms"]) ?? [],
                    socket["data"]));
            }
        }
        return list;
    }

    private static string? StringOrNull(JToken? token) => token is { Type: JTokenType.String } ? (string?)token : null;

    /// <summary>A numeric <c>type</c> field as an int (Node compares with <c>===</c>, so <c>"1"</c> is no type).</summary>
    private static int? TypeCode(JToken? token) =>
        JsValues.ToNumber(token) is { } n && Math.Floor(n) == n && n is >= int.MinValue and <= int.MaxValue ? (int)n : null;

    private static void WritePacket(ref MessagePackWriter writer, string nsp, string eventName, IReadOnlyList<object?> args, long? id,
        JsonSerializer? serializer)
    {
        writer.WriteMapHeader(id is null ? 3 : 4);
        writer.Write("type");
        writer.Write(EventPacketType);
        writer.Write("data");
        writer.WriteArrayHeader(args.Count + 1);
        writer.Write(eventName);
        foreach (var arg in args)
        {
            MsgPackTokens.WriteValue(ref writer, arg, serializer);
        }
        writer.Write("nsp");
        writer.Write(nsp);
        if (id is { } value)
        {
            writer.Write("id");
            MsgPackTokens.WriteInteger(ref writer, value);
        }
    }

    private static void WritePacket(ref MessagePackWriter writer, RemotePacket packet)
    {
        writer.WriteMapHeader(packet.Id is null ? 3 : 4);
        writer.Write("type");
        MsgPackTokens.WriteInteger(ref writer, packet.Type);
        writer.Write("data");
        MsgPackTokens.Write(ref writer, packet.Data);
        writer.Write("nsp");
        writer.Write(packet.Nsp);
        if (packet.Id is { } id)
        {
            writer.Write("id");
            MsgPackTokens.WriteInteger(ref writer, id);
        }
    }

    /// <summary>Writes <c>{rooms, except, flags}</c> (Node's classic order; rooms and except de-duplicated like Sets).</summary>
    private static void WriteOptions(ref MessagePackWriter writer, RemoteBroadcastOptions options)
    {
        writer.WriteMapHeader(3);
        writer.Write("rooms");
        WriteStrings(ref writer, Distinct(options.Rooms));
        writer.Write("except");
        WriteStrings(ref writer, Distinct(options.Except));
        writer.Write("flags");
        WriteFlags(ref writer, options.Flags);
    }

    private static void WriteStrings(ref MessagePackWriter writer, IReadOnlyCollection<string> values)
    {
        writer.WriteArrayHeader(values.Count);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    /// <summary>
    /// Writes the flags that are set, in the order Node's operators usually add them (RemoteSocket's
    /// <c>expectSingleResponse</c> first, <c>timeout</c> last), then the unknown ones.
    /// </summary>
    private static void WriteFlags(ref MessagePackWriter writer, RemoteBroadcastFlags flags)
    {
        var count = (flags.ExpectSingleResponse is null ? 0 : 1) + (flags.Volatile is null ? 0 : 1) + (flags.Compress is null ? 0 : 1)
                    + (flags.Local is null ? 0 : 1) + (flags.Broadcast is null ? 0 : 1) + (flags.Binary is null ? 0 : 1)
                    + (flags.Timeout is null ? 0 : 1);
        if (flags.Other is not null)
        {
            foreach (var (_, value) in flags.Other)
            {
                count += MsgPackTokens.IsOmitted(value) ? 0 : 1;
            }
        }
        writer.WriteMapHeader(count);
        WriteFlag(ref writer, "expectSingleResponse", flags.ExpectSingleResponse);
        WriteFlag(ref writer, "volatile", flags.Volatile);
        WriteFlag(ref writer, "compress", flags.Compress);
        WriteFlag(ref writer, "local", flags.Local);
        WriteFlag(ref writer, "broadcast", flags.Broadcast);
        WriteFlag(ref writer, "binary", flags.Binary);
        if (flags.Timeout is { } timeout)
        {
            writer.Write("timeout");
            MsgPackTokens.WriteInteger(ref writer, timeout);
        }
        if (flags.Other is not null)
        {
            foreach (var (name, value) in flags.Other)
            {
                if (!MsgPackTokens.IsOmitted(value))
                {
                    writer.Write(name);
                    MsgPackTokens.Write(ref writer, value);
                }
            }
        }
    }

    private static void WriteFlag(ref MessagePackWriter writer, string name, bool? value)
    {
        if (value is { } flag)
        {
            writer.Write(name);
            writer.Write(flag);
        }
    }

    /// <summary>Writes <c>{rooms, except}</c> (requests 2–5 carry no flags).</summary>
    private static void WriteJsonOptions(NodeJsonWriter json, RemoteBroadcastOptions options) =>
        json.StartObject().Name("rooms").Strings(Distinct(options.Rooms)).Name("except").Strings(Distinct(options.Except)).EndObject();

    /// <summary>The values once each, in first-seen order (JS <c>[...new Set(values)]</c>).</summary>
    private static IReadOnlyCollection<string> Distinct(IEnumerable<string> values)
    {
        if (values is IReadOnlyCollection<string> { Count: <= 1 } small)
        {
            return small;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var value in values)
        {
            if (seen.Add(value))
            {
                list.Add(value);
            }
        }
        return list;
    }
}
