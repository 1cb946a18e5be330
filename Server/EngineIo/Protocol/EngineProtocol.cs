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

    /// <summary>Which socket.io-client versions speak this revision (for logs).</summary>
    public abstract string ClientGenerations { get; }

    /// <summary>True when the server sends pings and waits for pongs (v4); false when the client pings (v3).</summary>
    public abstract bool ServerSendsPings { get; }

    /// <summary>Reads from the handshake query how this client wants its polling payloads (v3 has several forms).</summary>
    public abstract PollingEncoding PollingEncodingFor(Microsoft.AspNetCore.Http.IQueryCollection query);

    /// <summary>Writes several packets as one polling response body and returns its content type.</summary>
    public abstract string WritePollingPayload(IBufferWriter<byte> output, IReadOnlyList<EngineMessage> messages, PollingEncoding encoding);

    /// <summary>Decodes a polling request body; false when the body or any packet in it is invalid.</summary>
    public abstract bool TryReadPollingPayload(ReadOnlyMemory<byte> body, string? contentType, PollingEncoding encoding, List<InboundPacket> packets);

    /// <summary>Decodes one WebSocket message; false when it is not a valid packet.</summary>
    public abstract bool TryReadFrame(ReadOnlyMemory<byte> frame, bool isBinary, out InboundPacket packet);

    /// <summary>The WebSocket message that carries <paramref name="message"/>: its bytes and whether it is a binary frame.</summary>
    public abstract (ReadOnlyMemory<byte> Data, bool IsBinary) WebSocketFrame(EngineMessage message, PollingEncoding encoding);

    /// <summary>
    /// How long a WebSocket handshake waits before writing the open packet. v3-era code (the
    /// official v3 suite among it) starts listening for messages only once the socket reports open;
    /// the reference writes the open packet a tick after the 101 answer, so it never arrives in
    /// the same read. Kestrel writes both at once, hence a short pause for v3 only.
    /// </summary>
    public virtual TimeSpan WebSocketOpenDelay => TimeSpan.Zero;

    /// <summary>Picks the revision named by the <c>EIO</c> query value, or null when it is unsupported.</summary>
    public static EngineProtocol? FromQuery(string? eio) => eio switch
    {
        "4" => EngineProtocolV4.Instance,
        "3" => EngineProtocolV3.Instance,
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
