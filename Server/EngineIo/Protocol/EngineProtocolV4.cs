using System.Buffers;
using System.Buffers.Text;

namespace SocketIoChat.EngineIo.Protocol;

/// <summary>
/// Engine.IO revision 4: polling payloads are packets joined by the record separator 0x1E, binary
/// packets travel as <c>b</c> + base64 over polling and as raw binary frames over WebSocket,
/// and the server sends the pings.
/// </summary>
internal sealed class EngineProtocolV4 : EngineProtocol
{
    public const byte RecordSeparator = 0x1E;

    public static EngineProtocolV4 Instance { get; } = new();

    public override int Version => 4;

    public override string ClientGenerations => "socket.io-client 3.x/4.x";

    public override bool ServerSendsPings => true;

    public override PollingEncoding PollingEncodingFor(Microsoft.AspNetCore.Http.IQueryCollection query) => PollingEncoding.Default;

    public override string WritePollingPayload(IBufferWriter<byte> output, IReadOnlyList<EngineMessage> messages, PollingEncoding encoding)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0)
            {
                output.GetSpan(1)[0] = RecordSeparator;
                output.Advance(1);
            }
            var message = messages[i];
            output.Write(message.IsBinary ? message.Base64Record() : message.Frame.Span);
        }
        return "text/plain; charset=UTF-8";
    }

    public override bool TryReadPollingPayload(ReadOnlyMemory<byte> body, string? contentType, PollingEncoding encoding, List<InboundPacket> packets)
    {
        // v4 clients never send binary bodies: binary packets are base64 records.
        if (string.Equals(contentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        while (true)
        {
            var end = body.Span.IndexOf(RecordSeparator);
            var record = end < 0 ? body : body[..end];
            if (!TryReadRecord(record, out var packet))
            {
                return false;
            }
            packets.Add(packet);
            if (end < 0)
            {
                return true;
            }
            body = body[(end + 1)..];
        }
    }

    public override bool TryReadFrame(ReadOnlyMemory<byte> frame, bool isBinary, out InboundPacket packet)
    {
        if (isBinary)
        {
            packet = new InboundPacket(EnginePacketType.Message, frame, true);
            return true;
        }
        return TryReadTextPacket(frame, out packet);
    }

    public override (ReadOnlyMemory<byte> Data, bool IsBinary) WebSocketFrame(EngineMessage message, PollingEncoding encoding) =>
        (message.Frame, message.IsBinary);

    private static bool TryReadRecord(ReadOnlyMemory<byte> record, out InboundPacket packet)
    {
        var span = record.Span;
        if (span.Length > 0 && span[0] == (byte)'b')
        {
            var encoded = span[1..];
            var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
            if (Base64.DecodeFromUtf8(encoded, decoded, out _, out var written) != OperationStatus.Done)
            {
                packet = default;
                return false;
            }
            packet = new InboundPacket(EnginePacketType.Message, decoded.AsMemory(0, written), true);
            return true;
        }
        return TryReadTextPacket(record, out packet);
    }
}
