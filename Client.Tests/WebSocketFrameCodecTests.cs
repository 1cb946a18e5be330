using System.Buffers;
using System.Buffers.Binary;
using SocketIoChat.EngineIo.Transports.WebSockets;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The server's RFC 6455 frame codec (<c>WebSocketFrame</c>) on its own: header parsing for the
/// 7-, 16- and 64-bit lengths, masked and unmasked, from buffers of one or many segments and
/// when the header is not all there yet; <c>ApplyMask</c> against a byte-by-byte XOR for every
/// length and key offset that reaches its vector, word and byte paths; and headers and frames the
/// server writes read back to what was written.
/// </summary>
public sealed class WebSocketFrameCodecTests
{
    private static readonly byte[] Key = [0x37, 0xFA, 0x21, 0x3D];

    /// <summary>A client frame header, built the plain way: first byte, length, optional key.</summary>
    private static byte[] Header(byte first, long length, bool masked) =>
        new ClientFrame(first & 0xF, []) { Fin = (first & 0x80) != 0, Reserved = (first >> 4) & 7, Masked = masked, Key = Key, DeclaredLength = length }.ToBytes();

    private static int ExtendedLengthBytes(long length) => length < 126 ? 0 : length <= ushort.MaxValue ? 2 : 8;

    [Test]
    public void A_header_reads_its_length_in_all_three_forms(
        [Values(0L, 1L, 125L, 126L, 127L, 1000L, 65535L, 65536L, 1L << 32, 1L << 62, long.MaxValue)] long length,
        [Values] bool masked)
    {
        var header = Header(0x81, length, masked);
        Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(header), out var frame), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(frame.PayloadLength, Is.EqualTo(length));
            Assert.That(frame.HeaderLength, Is.EqualTo(header.Length));
            Assert.That(frame.HeaderLength, Is.EqualTo(2 + ExtendedLengthBytes(length) + (masked ? 4 : 0)));
            Assert.That(frame.Masked, Is.EqualTo(masked));
            Assert.That(frame.Mask, Is.EqualTo(masked ? BinaryPrimitives.ReadUInt32LittleEndian(Key) : 0u));
            Assert.That(frame.Fin, Is.True);
            Assert.That(frame.Opcode, Is.EqualTo(WebSocketOpcode.Text));
        });
    }

    [Test]
    public void A_64_bit_length_with_its_top_bit_set_reads_negative_for_the_caller_to_refuse()
    {
        byte[] header = [0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, .. Key];
        Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(header), out var frame), Is.True);
        Assert.That(frame.PayloadLength, Is.Negative);
    }

    [TestCase(0x81, true, 0, 0x1, false)]
    [TestCase(0x01, false, 0, 0x1, false)]
    [TestCase(0x82, true, 0, 0x2, false)]
    [TestCase(0x00, false, 0, 0x0, false)]
    [TestCase(0x80, true, 0, 0x0, false)]
    [TestCase(0xC1, true, 4, 0x1, false)]
    [TestCase(0xA1, true, 2, 0x1, false)]
    [TestCase(0x91, true, 1, 0x1, false)]
    [TestCase(0xF2, true, 7, 0x2, false)]
    [TestCase(0x88, true, 0, 0x8, true)]
    [TestCase(0x89, true, 0, 0x9, true)]
    [TestCase(0x09, false, 0, 0x9, true)]
    [TestCase(0x8A, true, 0, 0xA, true)]
    [TestCase(0x83, true, 0, 3, false)]
    [TestCase(0x8B, true, 0, 0xB, true)]
    [TestCase(0x8F, true, 0, 0xF, true)]
    public void The_first_byte_gives_fin_reserved_bits_and_opcode(int first, bool fin, int reserved, int opcode, bool control)
    {
        var header = Header((byte)first, 5, masked: true);
        Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(header), out var frame), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(frame.Fin, Is.EqualTo(fin));
            Assert.That(frame.Reserved, Is.EqualTo(reserved));
            Assert.That((int)frame.Opcode, Is.EqualTo(opcode));
            Assert.That(frame.IsControl, Is.EqualTo(control));
        });
    }

    [Test]
    public void A_header_cut_short_is_not_read_until_it_is_whole(
        [Values(0L, 125L, 126L, 65535L, 65536L, 1L << 62)] long length,
        [Values] bool masked)
    {
        var header = Header(0x82, length, masked);
        for (var cut = 0; cut < header.Length; cut++)
        {
            Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(header, 0, cut), out _), Is.False, $"{cut} of {header.Length} bytes");
        }
        Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(header), out var frame), Is.True);
        Assert.That(frame.PayloadLength, Is.EqualTo(length));
    }

    [Test]
    public void A_header_split_into_two_segments_at_any_byte_reads_as_when_whole(
        [Values(0L, 125L, 126L, 65535L, 65536L, 1L << 62)] long length,
        [Values] bool masked)
    {
        // Followed by some payload bytes, as in a real read: the header must not take them.
        byte[] bytes = [.. Header(0x81, length, masked), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        var headerLength = 2 + ExtendedLengthBytes(length) + (masked ? 4 : 0);
        for (var split = 1; split < bytes.Length; split++)
        {
            var sequence = Segments.Of(bytes[..split], bytes[split..]);
            Assert.That(WebSocketFrame.TryRead(sequence, out var frame), Is.True, $"split at {split}");
            Assert.That((frame.PayloadLength, frame.HeaderLength, frame.Masked, frame.Mask), Is.EqualTo((length, headerLength, masked, masked ? BinaryPrimitives.ReadUInt32LittleEndian(Key) : 0u)), $"split at {split}");
        }
    }

    [Test]
    public void A_header_of_one_byte_segments_reads_as_when_whole_and_not_before_its_last_byte(
        [Values(0L, 125L, 126L, 65535L, 65536L, 1L << 62)] long length,
        [Values] bool masked)
    {
        var header = Header(0x82, length, masked);
        var pieces = header.Select(b => new[] { b }).ToArray();
        for (var count = 0; count < pieces.Length; count++)
        {
            Assert.That(WebSocketFrame.TryRead(Segments.Of(pieces[..count]), out _), Is.False, $"{count} one-byte segments of {header.Length}");
        }
        Assert.That(WebSocketFrame.TryRead(Segments.Of(pieces), out var frame), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(frame.PayloadLength, Is.EqualTo(length));
            Assert.That(frame.HeaderLength, Is.EqualTo(header.Length));
            Assert.That(frame.Masked, Is.EqualTo(masked));
            Assert.That(frame.Opcode, Is.EqualTo(WebSocketOpcode.Binary));
        });
    }

    [Test]
    public void A_header_after_empty_segments_is_read()
    {
        var header = Header(0x81, 300, masked: true);
        var sequence = Segments.Of([], header[..1], [], header[1..3], [], header[3..]);
        Assert.That(WebSocketFrame.TryRead(sequence, out var frame), Is.True);
        Assert.That((frame.PayloadLength, frame.HeaderLength), Is.EqualTo((300L, 8)));
    }

    [Test]
    public void ApplyMask_is_a_byte_by_byte_xor_with_the_key_from_the_offset(
        [Range(0, 70)] int length,
        [Range(0, 3)] int offset)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();
        var expected = data.Select((b, i) => (byte)(b ^ Key[(offset + i) % 4])).ToArray();

        var next = WebSocketFrame.ApplyMask(data, BinaryPrimitives.ReadUInt32LittleEndian(Key), offset);

        Assert.That(data, Is.EqualTo(expected));
        Assert.That(next, Is.EqualTo((offset + length) % 4));
    }

    [Test]
    public void ApplyMask_on_a_span_not_aligned_in_its_array_is_the_same_xor(
        [Values(1, 2, 3, 5)] int start,
        [Values(3, 4, 31, 32, 33, 64, 67)] int length,
        [Range(0, 3)] int offset)
    {
        var array = Enumerable.Range(0, start + length + 3).Select(i => (byte)(255 - i)).ToArray();
        var expected = (byte[])array.Clone();
        for (var i = 0; i < length; i++)
        {
            expected[start + i] ^= Key[(offset + i) % 4];
        }

        WebSocketFrame.ApplyMask(array.AsSpan(start, length), BinaryPrimitives.ReadUInt32LittleEndian(Key), offset);

        Assert.That(array, Is.EqualTo(expected), "the bytes around the span are untouched as well");
    }

    [Test]
    public void ApplyMask_in_pieces_chained_by_the_returned_offset_equals_one_pass(
        [Values(1, 2, 3, 5, 17, 33, 64)] int piece)
    {
        var data = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        var expected = data.Select((b, i) => (byte)(b ^ Key[i % 4])).ToArray();
        var mask = BinaryPrimitives.ReadUInt32LittleEndian(Key);
        var offset = 0;
        for (var start = 0; start < data.Length; start += piece)
        {
            offset = WebSocketFrame.ApplyMask(data.AsSpan(start, Math.Min(piece, data.Length - start)), mask, offset);
        }
        Assert.That(data, Is.EqualTo(expected));
    }

    [Test]
    public void A_written_header_reads_back_unmasked_with_fin_and_the_same_opcode_and_length(
        [Values(0x1, 0x2, 0x8, 0x9, 0xA)] int opcode,
        [Values(0L, 1L, 125L, 126L, 127L, 65535L, 65536L, 1L << 32, 1L << 62)] long length)
    {
        var buffer = new byte[WebSocketFrame.MaxHeaderLength];
        var written = WebSocketFrame.WriteHeader(buffer, (WebSocketOpcode)opcode, length);

        Assert.That(written, Is.EqualTo(2 + ExtendedLengthBytes(length)), "the shortest length form");
        Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(buffer, 0, written), out var frame), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(frame.HeaderLength, Is.EqualTo(written));
            Assert.That(frame.PayloadLength, Is.EqualTo(length));
            Assert.That((int)frame.Opcode, Is.EqualTo(opcode));
            Assert.That(frame.Fin, Is.True);
            Assert.That(frame.Reserved, Is.Zero);
            Assert.That(frame.Masked, Is.False, "server frames are never masked");
        });
    }

    [Test]
    public void A_written_frame_is_its_header_then_the_payload_whatever_the_writer_block_size(
        [Values(0, 5, 125, 126, 4000, 65535, 65536, 70000)] int length,
        [Values(16, 4096, 1 << 20)] int blockSize)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i % 251)).ToArray();
        var writer = new SmallBlockWriter(blockSize);

        WebSocketFrame.Write(writer, WebSocketOpcode.Binary, payload);

        var bytes = writer.Written;
        Assert.That(WebSocketFrame.TryRead(new ReadOnlySequence<byte>(bytes), out var frame), Is.True);
        Assert.That(frame.PayloadLength, Is.EqualTo(length));
        Assert.That(frame.Opcode, Is.EqualTo(WebSocketOpcode.Binary));
        Assert.That(bytes.Length, Is.EqualTo(frame.HeaderLength + length));
        Assert.That(bytes[frame.HeaderLength..], Is.EqualTo(payload));
    }

    /// <summary>A writer that hands out spans no larger than asked for or a block, like a pipe's segments.</summary>
    private sealed class SmallBlockWriter(int blockSize) : IBufferWriter<byte>
    {
        private readonly MemoryStream _written = new();
        private byte[] _current = [];

        public byte[] Written => _written.ToArray();

        public void Advance(int count) => _written.Write(_current, 0, count);

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new byte[Math.Max(sizeHint, blockSize)];
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }

    /// <summary>Builds a <see cref="ReadOnlySequence{T}"/> of one segment per array.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(params byte[][] parts)
        {
            if (parts.Length == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }
            var first = new Segments(parts[0], 0);
            var last = first;
            foreach (var part in parts.Skip(1))
            {
                var next = new Segments(part, last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
