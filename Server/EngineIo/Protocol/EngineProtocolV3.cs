using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace SocketIoChat.EngineIo.Protocol;

/// <summary>
/// Engine.IO revision 3 (socket.io-client 1.x and 2.x): polling payloads framed <c>length:packet</c>
/// with lengths in UTF-16 code units, an XHR2 binary payload form, JSONP, binary packets prefixed
/// with their type byte, and pings sent by the client.
/// </summary>
internal sealed class EngineProtocolV3 : EngineProtocol
{
    private const string BinaryContentType = "application/octet-stream";
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static EngineProtocolV3 Instance { get; } = new();

    public override int Version => 3;

    public override string ClientGenerations => "socket.io-client 1.x/2.x";

    public override bool ServerSendsPings => false;

    public override TimeSpan WebSocketOpenDelay => TimeSpan.FromMilliseconds(30);

    public override PollingEncoding PollingEncodingFor(IQueryCollection query) => PollingEncoding.ForV3(query);

    public override string WritePollingPayload(IBufferWriter<byte> output, IReadOnlyList<EngineMessage> messages, PollingEncoding encoding)
    {
        if (encoding.JsonpIndex is null && !encoding.Base64 && (encoding.AlwaysBinary || encoding.DoubleUtf8 || HasBinary(messages)))
        {
            WriteBinaryPayload(output, messages);
            return BinaryContentType;
        }
        var text = TextPayload(messages, encoding.DoubleUtf8);
        if (encoding.JsonpIndex is { } index)
        {
            // A JavaScript string literal: JSON escaping (which also escapes U+2028/U+2029) is valid JS.
            var script = $"___eio[{index}]({System.Text.Json.JsonSerializer.Serialize(text)});";
            Encoding.UTF8.GetBytes(script, output);
            return "text/javascript; charset=UTF-8";
        }
        Encoding.UTF8.GetBytes(text, output);
        return "text/plain; charset=UTF-8";
    }

    private static bool HasBinary(IReadOnlyList<EngineMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].IsBinary)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <c>length:packet</c> records. Lengths count UTF-16 code units of the packet as the client
    /// sees it; for a double-encoding client each UTF-8 byte of the data is one character.
    /// </summary>
    private static string TextPayload(IReadOnlyList<EngineMessage> messages, bool doubleUtf8)
    {
        var payload = new StringBuilder();
        foreach (var message in messages)
        {
            string packet;
            if (message.IsBinary)
            {
                packet = Encoding.ASCII.GetString(message.TypedBase64Record());
            }
            else if (doubleUtf8)
            {
                packet = Encoding.Latin1.GetString(message.Frame.Span);
            }
            else
            {
                packet = Encoding.UTF8.GetString(message.Frame.Span);
            }
            payload.Append(packet.Length).Append(':').Append(packet);
        }
        return payload.ToString();
    }

    /// <summary>The XHR2 form: per packet a 0 (text) or 1 (binary) byte, the length as digit bytes, 0xFF, the bytes.</summary>
    private static void WriteBinaryPayload(IBufferWriter<byte> output, IReadOnlyList<EngineMessage> messages)
    {
        Span<byte> digits = stackalloc byte[12];
        foreach (var message in messages)
        {
            var bytes = message.IsBinary ? message.TypedBinary().Span : message.Frame.Span;
            output.Write([message.IsBinary ? (byte)1 : (byte)0]);
            Utf8Formatter.TryFormat(bytes.Length, digits, out var count);
            var header = output.GetSpan(count + 1);
            for (var i = 0; i < count; i++)
            {
                header[i] = (byte)(digits[i] - '0');
            }
            header[count] = 0xFF;
            output.Advance(count + 1);
            output.Write(bytes);
        }
    }

    public override bool TryReadPollingPayload(ReadOnlyMemory<byte> body, string? contentType, PollingEncoding encoding, List<InboundPacket> packets)
    {
        if (string.Equals(contentType, BinaryContentType, StringComparison.OrdinalIgnoreCase))
        {
            return TryReadBinaryPayload(body, packets);
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        if (encoding.JsonpIndex is not null)
        {
            var form = QueryHelpers.ParseQuery("?" + text);
            if (!form.TryGetValue("d", out var d))
            {
                return false;
            }
            // The JSONP client escapes its newlines: "\n" stands for a newline, "\\n" for a literal "\n".
            text = UnescapeJsonpNewlines(d.ToString());
        }
        return TryReadTextPayload(text, encoding, packets);
    }

    private static string UnescapeJsonpNewlines(string data)
    {
        var result = new StringBuilder(data.Length);
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == '\\' && i + 2 < data.Length && data[i + 1] == '\\' && data[i + 2] == 'n')
            {
                result.Append("\\n");
                i += 2;
            }
            else if (data[i] == '\\' && i + 1 < data.Length && data[i + 1] == 'n')
            {
                result.Append('\n');
                i += 1;
            }
            else
            {
                result.Append(data[i]);
            }
        }
        return result.ToString();
    }

    private static bool TryReadTextPayload(string text, PollingEncoding encoding, List<InboundPacket> packets)
    {
        if (text.Length == 0)
        {
            return false;
        }
        var i = 0;
        while (i < text.Length)
        {
            var colon = text.IndexOf(':', i);
            if (colon <= i || !int.TryParse(text.AsSpan(i, colon - i), System.Globalization.NumberStyles.None, null, out var length)
                || length > text.Length - colon - 1)
            {
                return false;
            }
            var packet = text.AsSpan(colon + 1, length);
            i = colon + 1 + length;
            if (packet.IsEmpty)
            {
                continue;
            }
            if (!TryReadTextPacket(packet, encoding, out var decoded))
            {
                return false;
            }
            packets.Add(decoded);
        }
        return true;
    }

    private static bool TryReadTextPacket(ReadOnlySpan<char> packet, PollingEncoding encoding, out InboundPacket decoded)
    {
        decoded = default;
        if (packet[0] == 'b')
        {
            return TryReadBase64Packet(packet, out decoded);
        }
        if (packet[0] is < '0' or > '6')
        {
            return false;
        }
        var type = (EnginePacketType)(packet[0] - '0');
        var text = packet[1..];
        decoded = new InboundPacket(type, TextBytes(text, encoding), false);
        return true;
    }

    /// <summary>Decodes <c>b&lt;type&gt;&lt;base64&gt;</c>, the text form of a binary packet.</summary>
    private static bool TryReadBase64Packet(ReadOnlySpan<char> packet, out InboundPacket decoded)
    {
        decoded = default;
        if (packet.Length < 2 || packet[1] is < '0' or > '6')
        {
            return false;
        }
        var data = new byte[Base64.GetMaxDecodedFromUtf8Length(packet.Length - 2)];
        if (!Convert.TryFromBase64Chars(packet[2..], data, out var written))
        {
            return false;
        }
        decoded = new InboundPacket((EnginePacketType)(packet[1] - '0'), data.AsMemory(0, written), true);
        return true;
    }

    /// <summary>
    /// The UTF-8 bytes of a packet's text. engine.io-client 1.x encodes text to UTF-8 before the
    /// browser encodes it again, so its characters are bytes: taken as bytes they are the real
    /// UTF-8. A client not yet known is recognised by exactly that shape.
    /// </summary>
    private static byte[] TextBytes(ReadOnlySpan<char> text, PollingEncoding encoding)
    {
        if ((encoding.DoubleUtf8 || encoding.GenerationUnknown) && IsDoubleEncoded(text, out var bytes))
        {
            encoding.SetGeneration(legacy: true);
            return bytes;
        }
        return Encoding.UTF8.GetBytes(text.ToArray());
    }

    private static bool IsDoubleEncoded(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.ContainsAnyExceptInRange('\0', '\u00FF') || !text.ContainsAnyInRange('\u0080', '\u00FF'))
        {
            return false;
        }
        var candidate = Encoding.Latin1.GetBytes(text.ToArray());
        if (!Utf8.IsValid(candidate))
        {
            return false;
        }
        bytes = candidate;
        return true;
    }

    private static bool TryReadBinaryPayload(ReadOnlyMemory<byte> body, List<InboundPacket> packets)
    {
        var span = body.Span;
        var offset = 0;
        if (span.IsEmpty)
        {
            return false;
        }
        while (offset < span.Length)
        {
            var isText = span[offset] switch { 0 => true, 1 => false, _ => (bool?)null };
            if (isText is null)
            {
                return false;
            }
            offset++;
            long length = 0;
            var digits = 0;
            while (offset < span.Length && span[offset] != 0xFF)
            {
                if (span[offset] > 9 || ++digits > 10)
                {
                    return false;
                }
                length = length * 10 + span[offset];
                offset++;
            }
            if (digits == 0 || offset >= span.Length || length == 0 || length > span.Length - offset - 1)
            {
                return false;
            }
            offset++; // 0xFF
            var packet = body.Slice(offset, (int)length);
            offset += (int)length;
            if (isText.Value)
            {
                if (!Utf8.IsValid(packet.Span) || !TryReadTextPacket(packet, out var text))
                {
                    return false;
                }
                packets.Add(text);
            }
            else
            {
                if (packet.Span[0] > 6)
                {
                    return false;
                }
                packets.Add(new InboundPacket((EnginePacketType)packet.Span[0], packet[1..], true));
            }
        }
        return true;
    }

    public override bool TryReadFrame(ReadOnlyMemory<byte> frame, bool isBinary, out InboundPacket packet)
    {
        if (!isBinary)
        {
            // Clients without binary WebSocket support send binary packets as "b<type><base64>" text.
            if (!frame.IsEmpty && frame.Span[0] == (byte)'b')
            {
                return TryReadBase64Packet(Encoding.ASCII.GetString(frame.Span), out packet);
            }
            return TryReadTextPacket(frame, out packet);
        }
        // A v3 binary frame starts with the packet type as a byte.
        if (frame.IsEmpty || frame.Span[0] > 6)
        {
            packet = default;
            return false;
        }
        packet = new InboundPacket((EnginePacketType)frame.Span[0], frame[1..], true);
        return true;
    }

    /// <summary>Binary goes as a type-prefixed binary frame, or as <c>b4</c> + base64 text to a client that asked for <c>b64</c>.</summary>
    public override (ReadOnlyMemory<byte> Data, bool IsBinary) WebSocketFrame(EngineMessage message, PollingEncoding encoding) =>
        !message.IsBinary ? (message.Frame, false)
        : encoding.Base64 ? (message.TypedBase64Memory(), false)
        : (message.TypedBinary(), true);
}
