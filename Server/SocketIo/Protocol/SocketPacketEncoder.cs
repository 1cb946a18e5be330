using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Protocol;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>
/// Encodes a packet once into the engine messages that carry it: the text packet, then one binary
/// message per attachment. The result is shared by every recipient.
/// </summary>
internal static class SocketPacketEncoder
{
    public static EngineMessage[] Encode(SocketPacketType type, string nsp, long id, JToken? data)
    {
        List<byte[]>? attachments = null;
        var json = new StringBuilder(64);
        if (data is not null)
        {
            using var writer = new JsonTextWriter(new StringWriter(json, CultureInfo.InvariantCulture)) { Formatting = Formatting.None };
            Write(writer, data, ref attachments);
        }
        if (attachments is not null)
        {
            type = type switch
            {
                SocketPacketType.Event => SocketPacketType.BinaryEvent,
                SocketPacketType.Ack => SocketPacketType.BinaryAck,
                _ => type,
            };
        }

        var header = new StringBuilder(16);
        header.Append('4').Append((char)('0' + (int)type));
        if (attachments is not null)
        {
            header.Append(attachments.Count).Append('-');
        }
        if (nsp != "/")
        {
            header.Append(nsp).Append(',');
        }
        if (id >= 0)
        {
            header.Append(id);
        }
        var headerBytes = Encoding.UTF8.GetByteCount(header.ToString());
        var frame = new byte[headerBytes + Encoding.UTF8.GetByteCount(json.ToString())];
        Encoding.UTF8.GetBytes(header.ToString(), frame);
        Encoding.UTF8.GetBytes(json.ToString(), frame.AsSpan(headerBytes));

        var messages = new EngineMessage[1 + (attachments?.Count ?? 0)];
        messages[0] = EngineMessage.FromTextFrame(frame);
        for (var i = 1; i < messages.Length; i++)
        {
            messages[i] = EngineMessage.Binary(attachments![i - 1]);
        }
        return messages;
    }

    /// <summary>Writes compact JSON, replacing each binary value by a numbered placeholder.</summary>
    private static void Write(JsonWriter writer, JToken token, ref List<byte[]>? attachments)
    {
        switch (token)
        {
            case JValue { Type: JTokenType.Bytes, Value: byte[] bytes }:
                attachments ??= [];
                writer.WriteStartObject();
                writer.WritePropertyName("_placeholder");
                writer.WriteValue(true);
                writer.WritePropertyName("num");
                writer.WriteValue(attachments.Count);
                writer.WriteEndObject();
                attachments.Add(bytes);
                break;
            case JObject obj:
                writer.WriteStartObject();
                foreach (var property in obj.Properties())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, ref attachments);
                }
                writer.WriteEndObject();
                break;
            case JArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item, ref attachments);
                }
                writer.WriteEndArray();
                break;
            default:
                token.WriteTo(writer);
                break;
        }
    }
}
