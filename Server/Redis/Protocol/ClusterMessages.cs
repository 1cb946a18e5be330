using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Redis.Protocol;

/// <summary>The message types of socket.io-adapter's <c>ClusterAdapter</c> (<c>MessageType</c>), which the streams adapter speaks.</summary>
internal enum ClusterMessageType
{
    InitialHeartbeat = 1,
    Heartbeat = 2,
    Broadcast = 3,
    SocketsJoin = 4,
    SocketsLeave = 5,
    DisconnectSockets = 6,
    FetchSockets = 7,
    FetchSocketsResponse = 8,
    ServerSideEmit = 9,
    ServerSideEmitResponse = 10,
    BroadcastClientCount = 11,
    BroadcastAck = 12,
    AdapterClose = 13,
}

/// <summary>A cluster message: <c>{uid, nsp, type, data?}</c>.</summary>
internal sealed record ClusterMessage(string Uid, string Nsp, ClusterMessageType Type, JObject Data)
{
    /// <summary>The request id of <see cref="Data"/>, when it has one.</summary>
    public string? RequestId => Data["requestId"] is { Type: JTokenType.String } id ? (string?)id : null;
}

/// <summary>
/// Encoding of cluster messages as <c>@socket.io/redis-streams-adapter</c> 0.3 writes them: stream
/// entries <c>uid, nsp, type (decimal), data</c> with <c>data</c> as JSON, or base64 of MessagePack
/// when it holds binary; and pub/sub messages (requests that need no history, and responses) as
/// MessagePack of the whole message.
/// </summary>
internal static class ClusterMessages
{
    /// <summary>Messages sent through the stream (kept, and replayed on recovery); the others go through pub/sub.</summary>
    public static bool IsPersistent(ClusterMessageType type, JObject data) => type switch
    {
        ClusterMessageType.Broadcast => data["requestId"] is null,
        ClusterMessageType.ServerSideEmit or ClusterMessageType.FetchSockets => false,
        _ => true,
    };

    /// <summary>The fields of a stream entry: <c>uid, nsp, type, data</c>.</summary>
    public static (string Name, string Value)[] ToStreamFields(ClusterMessage message) =>
    [
        ("uid", message.Uid),
        ("nsp", message.Nsp),
        ("type", ((int)message.Type).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("data", HasBinary(message.Data) ? Convert.ToBase64String(MsgPackTokens.Encode(message.Data)) : NodeJson.Serialize(message.Data)),
    ];

    /// <summary>Reads a stream entry; null for entries that are not cluster messages (no <c>nsp</c>, as Node skips them).</summary>
    /// <exception cref="FormatException">The entry's type or data is malformed.</exception>
    public static ClusterMessage? FromStreamFields(IReadOnlyDictionary<string, string> fields)
    {
        if (!fields.TryGetValue("nsp", out var nsp) || !fields.TryGetValue("type", out var type))
        {
            return null;
        }
        if (!int.TryParse(type, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            throw new FormatException("the entry's type is not a number");
        }
        var data = fields.TryGetValue("data", out var text) && text.Length > 0
            ? text[0] == '{' ? NodeJson.Parse(text) : MsgPackTokens.Decode(Convert.FromBase64String(text))
            : new JObject();
        return new ClusterMessage(fields.GetValueOrDefault("uid") ?? "", nsp, (ClusterMessageType)code, data as JObject ?? []);
    }

    /// <summary>A pub/sub message: MessagePack of <c>{type, data, uid, nsp}</c>.</summary>
    public static byte[] ToPubSub(ClusterMessage message) =>
        MsgPackTokens.Encode(new JObject
        {
            ["type"] = (int)message.Type,
            ["data"] = message.Data,
            ["uid"] = message.Uid,
            ["nsp"] = message.Nsp,
        });

    /// <summary>Reads a pub/sub message (MessagePack, or JSON from a peer configured for plain text).</summary>
    /// <exception cref="FormatException">Not a cluster message.</exception>
    public static ClusterMessage FromPubSub(ReadOnlyMemory<byte> payload)
    {
        var token = payload.Length > 0 && payload.Span[0] == (byte)'{'
            ? NodeJson.Parse(Encoding.UTF8.GetString(payload.Span))
            : MsgPackTokens.Decode(payload);
        if (token is not JObject message || JsValues.ToNumber(message["type"]) is not { } type || message["nsp"] is not { Type: JTokenType.String } nsp)
        {
            throw new FormatException("a cluster message needs a numeric type and a namespace");
        }
        return new ClusterMessage(JsValues.ToJsString(message["uid"]) ?? "", (string)nsp!, (ClusterMessageType)(int)type, message["data"] as JObject ?? []);
    }

    /// <summary>A packet as the ClusterAdapter carries it: <c>{type:2, data:[event, ...args]}</c> (no nsp: the envelope has it).</summary>
    public static JObject Packet(string eventName, IReadOnlyList<object?> args, Newtonsoft.Json.JsonSerializer serializer)
    {
        var data = new JArray(eventName);
        foreach (var arg in args)
        {
            data.Add(ToToken(arg, serializer));
        }
        return new JObject { ["type"] = ClassicMessages.EventPacketType, ["data"] = data };
    }

    /// <summary>Broadcast options as <c>{rooms, except, flags}</c>.</summary>
    public static JObject Options(RemoteBroadcastOptions options)
    {
        var flags = new JObject();
        if (options.Flags.Volatile is { } isVolatile)
        {
            flags["volatile"] = isVolatile;
        }
        if (options.Flags.Compress is { } compress)
        {
            flags["compress"] = compress;
        }
        if (options.Flags.Timeout is { } timeout)
        {
            flags["timeout"] = timeout;
        }
        return new JObject { ["rooms"] = new JArray(options.Rooms.Distinct()), ["except"] = new JArray(options.Except.Distinct()), ["flags"] = flags };
    }

    /// <summary>An emit argument as a token, C# objects written with <paramref name="serializer"/>; <c>byte[]</c> stays binary.</summary>
    public static JToken ToToken(object? value, Newtonsoft.Json.JsonSerializer serializer) => value switch
    {
        null => JValue.CreateNull(),
        JToken token => token,
        _ => JToken.FromObject(value, serializer),
    };

    private static bool HasBinary(JToken token) => token.Type switch
    {
        JTokenType.Bytes => true,
        JTokenType.Object or JTokenType.Array => token.Children().Any(child => HasBinary(child is JProperty property ? property.Value : child)),
        _ => false,
    };
}
