using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>
/// Parses the text form of a Socket.IO packet: <c>type [attachments-] [/nsp,] [id] [json]</c>.
/// Pure: binary reassembly is the <see cref="SocketPacketDecoder"/>'s job.
/// </summary>
internal static class SocketPacketParser
{
    /// <summary>More attachments than this in one packet is treated as malformed input.</summary>
    public const int MaxAttachments = 1000;

    public static bool TryParse(ReadOnlySpan<byte> text, out SocketPacket packet, out string error)
    {
        packet = null!;
        if (text.IsEmpty || text[0] is < (byte)'0' or > (byte)'6')
        {
            error = "unknown packet type";
            return false;
        }
        var type = (SocketPacketType)(text[0] - '0');
        var i = 1;

        var attachments = 0;
        if (type is SocketPacketType.BinaryEvent or SocketPacketType.BinaryAck)
        {
            var start = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }
            if (i == start || i == text.Length || text[i] != (byte)'-'
                || !int.TryParse(text[start..i], out attachments) || attachments > MaxAttachments)
            {
                error = "illegal attachments";
                return false;
            }
            i++;
        }

        var nsp = "/";
        var delimited = false;
        if (i < text.Length && text[i] == (byte)'/')
        {
            var start = i;
            while (i < text.Length && text[i] != (byte)',')
            {
                i++;
            }
            nsp = Encoding.UTF8.GetString(text[start..i]);
            if (i < text.Length)
            {
                delimited = true;
                i++; // the comma
            }
        }

        long id = -1;
        if (i < text.Length && IsDigit(text[i]))
        {
            var start = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }
            if (!long.TryParse(text[start..i], out id))
            {
                error = "invalid ack id";
                return false;
            }
        }

        JToken? data = null;
        if (i < text.Length && !TryParseJson(text[i..], out data))
        {
            error = "invalid payload";
            return false;
        }
        if (!IsPayloadValid(type, data))
        {
            error = "invalid payload";
            return false;
        }
        packet = new SocketPacket { Type = type, Namespace = nsp, NamespaceDelimited = delimited, Id = id, Data = data, Attachments = attachments };
        error = "";
        return true;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static readonly System.Text.Json.JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>
    /// Parses exactly one JSON value with nothing after it, straight from the UTF-8 bytes into
    /// Newtonsoft tokens (no intermediate string). Integers become <see cref="long"/> when they fit,
    /// other numbers <see cref="double"/>, as Newtonsoft's own reader does.
    /// </summary>
    public static bool TryParseJson(ReadOnlySpan<byte> utf8, out JToken? token)
    {
        token = null;
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(utf8, ReaderOptions);
            if (!reader.Read())
            {
                return false;
            }
            token = ReadValue(ref reader);
            return !reader.Read();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static JToken ReadValue(ref System.Text.Json.Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case System.Text.Json.JsonTokenType.StartObject:
                var obj = new JObject();
                while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
                {
                    var name = ReadString(ref reader);
                    reader.Read();
                    obj[name] = ReadValue(ref reader); // a repeated key keeps the last value, as in JavaScript
                }
                return obj;
            case System.Text.Json.JsonTokenType.StartArray:
                var array = new JArray();
                while (reader.Read() && reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader));
                }
                return array;
            case System.Text.Json.JsonTokenType.String:
                return new JValue(ReadString(ref reader));
            case System.Text.Json.JsonTokenType.Number:
                return reader.TryGetInt64(out var integer) ? new JValue(integer) : new JValue(reader.GetDouble());
            case System.Text.Json.JsonTokenType.True:
                return new JValue(true);
            case System.Text.Json.JsonTokenType.False:
                return new JValue(false);
            default:
                return JValue.CreateNull();
        }
    }

    /// <summary>
    /// A string or property name. JavaScript strings may hold a lone surrogate (half an emoji), which
    /// a client sends as a <c>\uD83D</c> escape and the reference keeps; System.Text.Json refuses to
    /// unescape it, so such strings are unescaped here, code unit by code unit.
    /// </summary>
    private static string ReadString(ref System.Text.Json.Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped || !HasSurrogateEscape(reader.ValueSpan))
        {
            return reader.GetString()!;
        }
        return Unescape(reader.ValueSpan);
    }

    private static bool HasSurrogateEscape(ReadOnlySpan<byte> raw)
    {
        var i = 0;
        while (i < raw.Length - 1)
        {
            if (raw[i] != (byte)'\\')
            {
                i++;
                continue;
            }
            if (raw[i + 1] == (byte)'u' && IsSurrogate(raw.Slice(i + 2, 4)))
            {
                return true;
            }
            i += 2; // past this escape (an escaped backslash included)
        }
        return false;
    }

    private static bool IsSurrogate(ReadOnlySpan<byte> hex) =>
        ushort.Parse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture) is >= 0xD800 and <= 0xDFFF;

    /// <summary>JSON string escapes undone without requiring well-formed UTF-16 (the reader has already checked the syntax).</summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            var backslash = raw.IndexOf((byte)'\\');
            text.Append(Encoding.UTF8.GetString(backslash < 0 ? raw : raw[..backslash]));
            if (backslash < 0)
            {
                break;
            }
            var escape = raw[backslash + 1];
            if (escape == (byte)'u')
            {
                text.Append((char)ushort.Parse(raw.Slice(backslash + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture));
                raw = raw[(backslash + 6)..];
                continue;
            }
            text.Append(escape switch
            {
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                _ => (char)escape, // \" \\ \/
            });
            raw = raw[(backslash + 2)..];
        }
        return text.ToString();
    }

    private static bool IsPayloadValid(SocketPacketType type, JToken? data) => type switch
    {
        SocketPacketType.Connect => data is null or JObject,
        SocketPacketType.Disconnect => data is null,
        SocketPacketType.ConnectError => data is JObject || data?.Type == JTokenType.String,
        SocketPacketType.Event or SocketPacketType.BinaryEvent => data is JArray { Count: > 0 } array && IsEventName(array[0]),
        SocketPacketType.Ack or SocketPacketType.BinaryAck => data is JArray,
        _ => false,
    };

    private static bool IsEventName(JToken name) => name.Type switch
    {
        JTokenType.String => !EventNames.IsReserved((string)name!),
        JTokenType.Integer or JTokenType.Float => true,
        _ => false,
    };
}
