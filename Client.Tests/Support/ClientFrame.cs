using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// One WebSocket frame as a client would put it on the wire (RFC 6455 §5.2), with every field
/// under the test's control, the invalid ones included: any opcode, the FIN and RSV bits, masked
/// or not, and a declared length that need not match the payload.
/// </summary>
public sealed record ClientFrame(int Opcode, byte[] Payload)
{
    /// <summary>Opcodes of RFC 6455 §5.2.</summary>
    public const int Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    /// <summary>The FIN bit: set on the last frame of a message.</summary>
    public bool Fin { get; init; } = true;

    /// <summary>RSV1–RSV3 as the three bits below FIN (RSV1 = 4, RSV2 = 2, RSV3 = 1).</summary>
    public int Reserved { get; init; }

    /// <summary>Whether the payload is masked (clients must mask).</summary>
    public bool Masked { get; init; } = true;

    /// <summary>The masking key; random unless set.</summary>
    public byte[] Key { get; init; } = RandomNumberGenerator.GetBytes(4);

    /// <summary>The length written in the header; the payload's real length unless set.</summary>
    public long? DeclaredLength { get; init; }

    /// <summary>A whole text frame.</summary>
    public static ClientFrame TextFrame(string text) => new(Text, Encoding.UTF8.GetBytes(text));

    /// <summary>A whole binary frame.</summary>
    public static ClientFrame BinaryFrame(byte[] data) => new(Binary, data);

    /// <summary>A ping with <paramref name="payload"/>.</summary>
    public static ClientFrame PingFrame(string payload) => new(Ping, Encoding.UTF8.GetBytes(payload));

    /// <summary>A close frame with a status code and an optional reason.</summary>
    public static ClientFrame CloseFrame(int code, string reason = "")
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return new ClientFrame(Close, payload);
    }

    /// <summary>
    /// Splits <paramref name="payload"/> into <paramref name="count"/> frames of one message:
    /// the first with <paramref name="opcode"/>, the rest continuations, FIN on the last only.
    /// </summary>
    public static ClientFrame[] Fragments(int opcode, byte[] payload, int count)
    {
        var frames = new ClientFrame[count];
        var size = (payload.Length + count - 1) / count;
        for (var i = 0; i < count; i++)
        {
            var start = Math.Min(i * size, payload.Length);
            var end = i == count - 1 ? payload.Length : Math.Min(start + size, payload.Length);
            frames[i] = new ClientFrame(i == 0 ? opcode : Continuation, payload[start..end]) { Fin = i == count - 1 };
        }
        return frames;
    }

    /// <summary>The frame's bytes: header, key and (masked) payload.</summary>
    public byte[] ToBytes()
    {
        var length = DeclaredLength ?? Payload.Length;
        using var bytes = new MemoryStream();
        bytes.WriteByte((byte)((Fin ? 0x80 : 0) | ((Reserved & 7) << 4) | (Opcode & 0xF)));
        var maskBit = Masked ? 0x80 : 0;
        if (length < 126)
        {
            bytes.WriteByte((byte)(maskBit | (int)length));
        }
        else if (length <= ushort.MaxValue)
        {
            bytes.WriteByte((byte)(maskBit | 126));
            Span<byte> extended = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(extended, (ushort)length);
            bytes.Write(extended);
        }
        else
        {
            bytes.WriteByte((byte)(maskBit | 127));
            Span<byte> extended = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(extended, (ulong)length);
            bytes.Write(extended);
        }
        if (Masked)
        {
            bytes.Write(Key);
            bytes.Write(Payload.Select((b, i) => (byte)(b ^ Key[i % 4])).ToArray());
        }
        else
        {
            bytes.Write(Payload);
        }
        return bytes.ToArray();
    }

    /// <summary>The bytes of several frames back to back, as one write would carry them.</summary>
    public static byte[] Concat(params IEnumerable<ClientFrame> frames) => frames.SelectMany(f => f.ToBytes()).ToArray();
}
