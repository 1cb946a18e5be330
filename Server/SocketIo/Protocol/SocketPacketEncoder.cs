using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>
/// Encodes a packet once into the engine messages that carry it: the text packet, then one binary
/// message per attachment. The result is shared by every recipient. JSON is written as UTF-8
/// straight from the arguments (no intermediate string, no copy of the argument tree), with
/// numbers formatted as JavaScript does (<c>1</c>, not <c>1.0</c>; NaN and infinities as null).
/// </summary>
internal static class SocketPacketEncoder
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = MinimalJsonEncoder.Instance,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_json;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Encodes a packet whose payload is already a token (or none).</summary>
    public static EngineMessage[] Encode(SocketPacketType type, string nsp, long id, JToken? data) =>
        Build(SocketIoJson.DefaultSerializer, type, nsp, id, data, null, null);

    /// <summary>
    /// Encodes an EVENT: <c>[eventName, ...args]</c>; binary arguments make it a BINARY_EVENT. A
    /// <paramref name="offset"/> (connection state recovery) is appended as a last, plain string argument.
    /// </summary>
    public static EngineMessage[] EncodeEvent(Newtonsoft.Json.JsonSerializer serializer, string nsp, long id, string eventName, object?[] args, bool compress = true, string? offset = null) =>
        Build(serializer, SocketPacketType.Event, nsp, id, null, eventName, args, compress, offset);

    /// <summary>Encodes an ACK: <c>[...args]</c>; binary arguments make it a BINARY_ACK.</summary>
    public static EngineMessage[] EncodeAck(Newtonsoft.Json.JsonSerializer serializer, string nsp, long id, object?[] args) =>
        Build(serializer, SocketPacketType.Ack, nsp, id, null, null, args);

    private static EngineMessage[] Build(Newtonsoft.Json.JsonSerializer serializer, SocketPacketType type, string nsp, long id, JToken? data, string? eventName, object?[]? args, bool compress = true, string? offset = null)
    {
        // Reuse this thread's buffer and writer, unless a custom converter emits while we encode.
        var json = t_json ?? new ArrayBufferWriter<byte>(256);
        var writer = t_writer ?? new Utf8JsonWriter(json, WriterOptions);
        t_json = null;
        t_writer = null;
        try
        {
            json.ResetWrittenCount();
            writer.Reset(json);
            List<byte[]>? attachments = null;
            if (args is not null)
            {
                writer.WriteStartArray();
                if (eventName is not null)
                {
                    writer.WriteStringValue(eventName);
                }
                foreach (var arg in args)
                {
                    WriteValue(writer, serializer, arg, ref attachments);
                }
                if (offset is not null)
                {
                    writer.WriteStringValue(offset);
                }
                writer.WriteEndArray();
            }
            else if (data is not null)
            {
                WriteToken(writer, data, ref attachments);
            }
            writer.Flush();
            if (attachments is not null)
            {
                type = type switch
                {
                    SocketPacketType.Event => SocketPacketType.BinaryEvent,
                    SocketPacketType.Ack => SocketPacketType.BinaryAck,
                    _ => type,
                };
            }
            var frame = Frame(type, nsp, id, attachments?.Count ?? 0, json.WrittenSpan);
            var messages = new EngineMessage[1 + (attachments?.Count ?? 0)];
            messages[0] = EngineMessage.FromTextFrame(frame, compress);
            for (var i = 1; i < messages.Length; i++)
            {
                messages[i] = EngineMessage.Binary(attachments![i - 1], compress);
            }
            return messages;
        }
        finally
        {
            t_json = json;
            t_writer = writer;
        }
    }

    /// <summary>The Engine.IO text frame: <c>4</c>, type, <c>N-</c>, <c>/nsp,</c>, id, then the JSON.</summary>
    private static byte[] Frame(SocketPacketType type, string nsp, long id, int attachments, ReadOnlySpan<byte> json)
    {
        Span<byte> header = stackalloc byte[48];
        var length = 0;
        header[length++] = (byte)'4';
        header[length++] = (byte)('0' + (int)type);
        if (attachments > 0)
        {
            Utf8Formatter.TryFormat(attachments, header[length..], out var written);
            length += written;
            header[length++] = (byte)'-';
        }
        var nspBytes = nsp == "/" ? 0 : Encoding.UTF8.GetByteCount(nsp) + 1;
        var idBytes = 0;
        Span<byte> idDigits = stackalloc byte[20];
        if (id >= 0)
        {
            Utf8Formatter.TryFormat(id, idDigits, out idBytes);
        }
        var frame = new byte[length + nspBytes + idBytes + json.Length];
        header[..length].CopyTo(frame);
        var offset = length;
        if (nspBytes > 0)
        {
            offset += Encoding.UTF8.GetBytes(nsp, frame.AsSpan(offset));
            frame[offset++] = (byte)',';
        }
        idDigits[..idBytes].CopyTo(frame.AsSpan(offset));
        offset += idBytes;
        json.CopyTo(frame.AsSpan(offset));
        return frame;
    }

    private static void WriteValue(Utf8JsonWriter writer, Newtonsoft.Json.JsonSerializer serializer, object? value, ref List<byte[]>? attachments)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JToken token:
                WriteToken(writer, token, ref attachments);
                break;
            case string text:
                WriteString(writer, text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or sbyte or byte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case double number:
                WriteDouble(writer, number);
                break;
            case float number:
                WriteDouble(writer, number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case byte[] bytes:
                WritePlaceholder(writer, bytes, ref attachments);
                break;
            default:
                // Anything else goes through Newtonsoft.Json, so its attributes and converters apply.
                WriteToken(writer, JToken.FromObject(value, serializer), ref attachments);
                break;
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double number)
    {
        if (double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue(); // JSON.stringify(NaN) === "null"
        }
    }

    private static void WritePlaceholder(Utf8JsonWriter writer, byte[] bytes, ref List<byte[]>? attachments)
    {
        attachments ??= [];
        writer.WriteStartObject();
        writer.WriteBoolean("_placeholder"u8, true);
        writer.WriteNumber("num"u8, attachments.Count);
        writer.WriteEndObject();
        attachments.Add(bytes);
    }

    private static void WriteString(Utf8JsonWriter writer, string text)
    {
        if (MinimalJsonEncoder.HasLoneSurrogate(text))
        {
            writer.WriteRawValue(MinimalJsonEncoder.Literal(text), skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    /// <summary>Writes compact JSON, replacing each binary value by a numbered placeholder.</summary>
    private static void WriteToken(Utf8JsonWriter writer, JToken token, ref List<byte[]>? attachments)
    {
        switch (token)
        {
            case JObject obj:
                writer.WriteStartObject();
                foreach (var property in obj.Properties())
                {
                    writer.WritePropertyName(property.Name);
                    WriteToken(writer, property.Value, ref attachments);
                }
                writer.WriteEndObject();
                break;
            case JArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteToken(writer, item, ref attachments);
                }
                writer.WriteEndArray();
                break;
            case JValue { Type: JTokenType.Bytes, Value: byte[] bytes }:
                WritePlaceholder(writer, bytes, ref attachments);
                break;
            case JValue { Value: null }:
                writer.WriteNullValue();
                break;
            case JValue { Type: JTokenType.Integer, Value: long or int or short or sbyte or byte or ushort or uint } integer:
                writer.WriteNumberValue(Convert.ToInt64(integer.Value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case JValue { Type: JTokenType.Integer } big:
                // BigInteger, ulong: digits as they are.
                writer.WriteRawValue(Convert.ToString(big.Value, System.Globalization.CultureInfo.InvariantCulture)!, skipInputValidation: true);
                break;
            case JValue { Type: JTokenType.Float, Value: decimal number }:
                writer.WriteNumberValue(number);
                break;
            case JValue { Type: JTokenType.Float } number:
                WriteDouble(writer, Convert.ToDouble(number.Value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case JValue { Type: JTokenType.Boolean, Value: bool flag }:
                writer.WriteBooleanValue(flag);
                break;
            case JValue { Type: JTokenType.Date } date:
                // As JSON.stringify writes a Date: ISO 8601.
                writer.WriteStringValue(date.ToString(Newtonsoft.Json.Formatting.None).Trim('"'));
                break;
            case JValue { Type: JTokenType.String or JTokenType.Guid or JTokenType.Uri or JTokenType.TimeSpan } text:
                WriteString(writer, Convert.ToString(text.Value, System.Globalization.CultureInfo.InvariantCulture)!);
                break;
            default:
                writer.WriteRawValue(token.ToString(Newtonsoft.Json.Formatting.None), skipInputValidation: true);
                break;
        }
    }
}
