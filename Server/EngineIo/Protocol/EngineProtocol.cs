using System.Buffers;

namespace SocketIoChat.EngineIo.Protocol;

/// <summary>
/// Everything that differs between Engine.IO protocol revisions, in one place: payload framing,
/// frame encoding and heartbeat direction. Sessions and transports ask this object instead of
/// testing the revision number.
/// </summary>
internal abstract class EngineProtocol
{
    /// <summary>The revision as sent in the <c>EIO</c> query parameter.</summary>
    public abstract int Version { get; }

    /// <summary>True when the server sends pings and waits for pongs (v4); false when the client pings (v3).</summary>
    public abstract bool ServerSendsPings { get; }

    /// <summary>The content type of a polling response.</summary>
    public abstract string PollingContentType { get; }

    /// <summary>Writes several packets as one polling response body.</summary>
    public abstract void WritePollingPayload(IBufferWriter<byte> output, IReadOnlyList<EngineMessage> messages);

    /// <summary>Decodes a polling request body; false when any packet in it is invalid.</summary>
    public abstract bool TryReadPollingPayload(ReadOnlyMemory<byte> body, List<InboundPacket> packets);

    /// <summary>Decodes one WebSocket message; false when it is not a valid packet.</summary>
    public abstract bool TryReadFrame(ReadOnlyMemory<byte> frame, bool isBinary, out InboundPacket packet);

    /// <summary>The bytes of the WebSocket message that carries <paramref name="message"/>.</summary>
    public abstract ReadOnlyMemory<byte> WebSocketFrame(EngineMessage message);

    /// <summary>Picks the revision named by the <c>EIO</c> query value, or null when it is unsupported.</summary>
    public static EngineProtocol? FromQuery(string? eio) => eio switch
    {
        "4" => EngineProtocolV4.Instance,
        _ => null,
    };

    /// <summary>Parses <c>digit + data</c>, the text form shared by all revisions.</summary>
    protected static bool TryReadTextPacket(ReadOnlyMemory<byte> text, out InboundPacket packet)
    {
        var span = text.Span;
        if (span.IsEmpty || span[0] is < (byte)'0' or > (byte)'6')
        {
            packet = default;
            return false;
        }
        packet = new InboundPacket((EnginePacketType)(span[0] - '0'), text[1..], false);
        return true;
    }
}
