using System.Buffers.Text;
using SocketIoChat.EngineIo.Protocol;

namespace SocketIoChat.EngineIo;

/// <summary>
/// An outbound Engine.IO packet, encoded once. The same instance is queued on every recipient of a
/// broadcast; the per-transport forms (base64 for polling) are derived lazily, once per message.
/// </summary>
public sealed class EngineMessage
{
    private byte[]? _base64Record;
    private byte[]? _typedBase64Record;
    private byte[]? _typedBinary;

    private EngineMessage(EnginePacketType type, bool isBinary, ReadOnlyMemory<byte> frame, bool compress = true)
    {
        Type = type;
        IsBinary = isBinary;
        Frame = frame;
        Compress = compress;
    }

    /// <summary>
    /// Whether a transport that compresses (WebSocket permessage-deflate, HTTP compression) may
    /// compress this packet; false when the sender asked for no compression (the reference's
    /// <c>compress</c> flag). True by default.
    /// </summary>
    public bool Compress { get; }

    /// <summary>The packet type.</summary>
    public EnginePacketType Type { get; }

    /// <summary>True for a binary message packet.</summary>
    public bool IsBinary { get; }

    /// <summary>
    /// The packet as a WebSocket frame carries it: for text, the type digit followed by the UTF-8 data;
    /// for binary, the raw bytes.
    /// </summary>
    public ReadOnlyMemory<byte> Frame { get; }

    /// <summary>The data without the type digit.</summary>
    public ReadOnlyMemory<byte> Data => IsBinary ? Frame : Frame[1..];

    /// <summary>
    /// The same packet marked never to be compressed. The frame is shared, not copied; make it once
    /// and queue it to every recipient like any other message.
    /// </summary>
    public EngineMessage WithoutCompression() => Compress ? new EngineMessage(Type, IsBinary, Frame, compress: false) : this;

    internal static EngineMessage Ping { get; } = Text(EnginePacketType.Ping, ""u8);
    internal static EngineMessage Pong { get; } = Text(EnginePacketType.Pong, ""u8);
    internal static EngineMessage ProbePong { get; } = Text(EnginePacketType.Pong, "probe"u8);
    internal static EngineMessage Noop { get; } = Text(EnginePacketType.Noop, ""u8);
    internal static EngineMessage ClosePacket { get; } = Text(EnginePacketType.Close, ""u8);

    /// <summary>Creates a text packet of the given type by copying <paramref name="utf8Data"/>.</summary>
    public static EngineMessage Text(EnginePacketType type, ReadOnlySpan<byte> utf8Data)
    {
        var frame = new byte[utf8Data.Length + 1];
        frame[0] = (byte)('0' + (byte)type);
        utf8Data.CopyTo(frame.AsSpan(1));
        return new EngineMessage(type, false, frame);
    }

    /// <summary>
    /// Wraps a buffer that already holds a whole text packet (type digit first) without copying it.
    /// The caller must not change the buffer afterwards.
    /// </summary>
    public static EngineMessage FromTextFrame(ReadOnlyMemory<byte> frame) => FromTextFrame(frame, compress: true);

    /// <summary>Like <see cref="FromTextFrame(ReadOnlyMemory{byte})"/>, with the compression flag.</summary>
    public static EngineMessage FromTextFrame(ReadOnlyMemory<byte> frame, bool compress)
    {
        if (frame.IsEmpty || frame.Span[0] is < (byte)'0' or > (byte)'6')
        {
            throw new ArgumentException("A text frame starts with the packet type digit.", nameof(frame));
        }
        return new EngineMessage((EnginePacketType)(frame.Span[0] - '0'), false, frame, compress);
    }

    /// <summary>Creates a binary message packet; the bytes are not copied and must not change afterwards.</summary>
    public static EngineMessage Binary(ReadOnlyMemory<byte> data) => new(EnginePacketType.Message, true, data);

    /// <summary>Like <see cref="Binary(ReadOnlyMemory{byte})"/>, with the compression flag.</summary>
    public static EngineMessage Binary(ReadOnlyMemory<byte> data, bool compress) => new(EnginePacketType.Message, true, data, compress);

    /// <summary>The v4 polling record of a binary packet: <c>b</c> followed by base64, computed once.</summary>
    internal ReadOnlySpan<byte> Base64Record() => Cached(ref _base64Record, this, static m => Base64With(m, "b"u8));

    /// <summary>The v3 text-payload form of a binary packet: <c>b4</c> followed by base64, computed once.</summary>
    internal ReadOnlySpan<byte> TypedBase64Record() => TypedBase64Memory().Span;

    /// <summary>Same as <see cref="TypedBase64Record"/>, as memory for a WebSocket send.</summary>
    internal ReadOnlyMemory<byte> TypedBase64Memory() => Cached(ref _typedBase64Record, this, static m => Base64With(m, "b4"u8));

    /// <summary>The v3 binary form: the packet type byte followed by the data, computed once.</summary>
    internal ReadOnlyMemory<byte> TypedBinary() => Cached(ref _typedBinary, this, static m =>
    {
        var bytes = new byte[m.Frame.Length + 1];
        bytes[0] = (byte)m.Type;
        m.Frame.Span.CopyTo(bytes.AsSpan(1));
        return bytes;
    });

    private static byte[] Base64With(EngineMessage message, ReadOnlySpan<byte> prefix)
    {
        var data = message.Frame.Span;
        var record = new byte[prefix.Length + Base64.GetMaxEncodedToUtf8Length(data.Length)];
        prefix.CopyTo(record);
        Base64.EncodeToUtf8(data, record.AsSpan(prefix.Length), out _, out _);
        return record;
    }

    private static byte[] Cached(ref byte[]? slot, EngineMessage message, Func<EngineMessage, byte[]> make)
    {
        var value = Volatile.Read(ref slot);
        if (value is null)
        {
            // Several recipients may race here; they all compute the same bytes.
            value = make(message);
            Volatile.Write(ref slot, value);
        }
        return value;
    }
}
