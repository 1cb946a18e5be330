using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>RFC 6455 §5.2 opcodes.</summary>
internal enum WebSocketOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>
/// The header of one WebSocket frame (RFC 6455 §5.2) as a client sends it, read from a pipe's
/// buffer without copying; the payload stays where it is and is unmasked in place or while copied.
/// </summary>
internal readonly struct WebSocketFrame
{
    /// <summary>The largest header: 2 bytes, a 64-bit length and a 4-byte mask.</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>Control frames carry at most this many bytes (RFC 6455 §5.5).</summary>
    public const int MaxControlPayload = 125;

    private WebSocketFrame(bool fin, byte reserved, WebSocketOpcode opcode, bool masked, uint mask, long payloadLength, int headerLength)
    {
        Fin = fin;
        Reserved = reserved;
        Opcode = opcode;
        Masked = masked;
        Mask = mask;
        PayloadLength = payloadLength;
        HeaderLength = headerLength;
    }

    /// <summary>True on the last frame of a message.</summary>
    public bool Fin { get; }

    /// <summary>The RSV1–3 bits; non-zero only with a negotiated extension.</summary>
    public byte Reserved { get; }

    public WebSocketOpcode Opcode { get; }

    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>Client frames must be masked (RFC 6455 §5.1).</summary>
    public bool Masked { get; }

    /// <summary>The masking key as it appears on the wire, read little-endian so byte i of the payload is XORed with byte i % 4.</summary>
    public uint Mask { get; }

    public long PayloadLength { get; }

    public int HeaderLength { get; }

    /// <summary>
    /// Reads a frame header from the start of <paramref name="buffer"/>; false when it is not all
    /// there yet. Validation (masking, opcodes, lengths) is the caller's.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out WebSocketFrame frame)
    {
        frame = default;
        if (buffer.Length < 2)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[MaxHeaderLength];
        var available = (int)Math.Min(buffer.Length, MaxHeaderLength);
        if (buffer.FirstSpan.Length >= available)
        {
            buffer.FirstSpan[..available].CopyTo(header);
        }
        else
        {
            buffer.Slice(0, available).CopyTo(header);
        }
        var masked = (header[1] & 0x80) != 0;
        var length = header[1] & 0x7F;
        var lengthBytes = length switch { 126 => 2, 127 => 8, _ => 0 };
        var headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        if (available < headerLength)
        {
            return false;
        }
        long payloadLength = lengthBytes switch
        {
            2 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            // The most significant bit must be 0 (RFC 6455 §5.2); such a length reads negative here.
            8 => BinaryPrimitives.ReadInt64BigEndian(header[2..]),
            _ => length,
        };
        var mask = masked ? BinaryPrimitives.ReadUInt32LittleEndian(header[(2 + lengthBytes)..]) : 0;
        frame = new WebSocketFrame(
            (header[0] & 0x80) != 0, (byte)((header[0] >> 4) & 0x7), (WebSocketOpcode)(header[0] & 0xF),
            masked, mask, payloadLength, headerLength);
        return true;
    }

    /// <summary>
    /// XORs <paramref name="data"/> with <paramref name="mask"/>, as if it started
    /// <paramref name="offset"/> bytes into the payload; returns the offset after it.
    /// </summary>
    public static int ApplyMask(Span<byte> data, uint mask, int offset)
    {
        // Rotate the key so that it lines up with the first byte of this piece.
        var shift = (offset & 3) * 8;
        var rotated = shift == 0 ? mask : BitOperations.RotateRight(mask, shift);
        var i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count)
        {
            var key = new Vector<uint>(rotated).As<uint, byte>();
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(data);
            for (var v = 0; v < vectors.Length; v++)
            {
                vectors[v] ^= key;
            }
            i = vectors.Length * Vector<byte>.Count;
        }
        var words = MemoryMarshal.Cast<byte, uint>(data[i..]);
        for (var w = 0; w < words.Length; w++)
        {
            words[w] ^= rotated;
        }
        i += words.Length * 4;
        for (var b = 0; i < data.Length; i++, b++)
        {
            data[i] ^= (byte)(rotated >> (b * 8));
        }
        return (offset + data.Length) & 3;
    }

    /// <summary>
    /// Writes an unmasked server frame header (RFC 6455 §5.2) for a whole message of
    /// <paramref name="payloadLength"/> bytes; returns the header's length.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, WebSocketOpcode opcode, long payloadLength)
    {
        destination[0] = (byte)(0x80 | (byte)opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>Writes one whole unmasked frame into <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(MaxHeaderLength);
        var header = WriteHeader(span, opcode, payload.Length);
        if (span.Length - header >= payload.Length)
        {
            payload.CopyTo(span[header..]);
            writer.Advance(header + payload.Length);
            return;
        }
        // Large payloads go in the writer's own block size rather than one oversized buffer.
        writer.Advance(header);
        writer.Write(payload);
    }
}
