using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketIoChat.LoadGenerator;

/// <summary>
/// One Socket.IO v5 client over a WebSocket spoken directly on a TCP socket: frames are masked once
/// up front (<see cref="ClientFrame"/>), replies are cut out of one receive buffer that may hold
/// many frames, and matched by prefix. The generator thus spends as little CPU per message as it
/// can, and leaves the cores to the server under test.
/// </summary>
internal sealed class WsPeer : IAsyncDisposable
{
    // A fixed masking key is fine for a load generator (masking protects proxies from browsers).
    private static readonly byte[] MaskKey = [0x37, 0xfa, 0x21, 0x3d];
    private static readonly byte[] PongFrame = ClientFrame("3"u8);
    private static readonly byte[] CloseFrame = [0x88, 0x82, .. MaskKey, (byte)(0x03 ^ MaskKey[0]), (byte)(0xE8 ^ MaskKey[1])]; // 1000, normal
    private readonly Socket _socket;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    private WsPeer(Socket socket) => _socket = socket;

    public static byte[] ConnectPayload(string nsp) => Encoding.UTF8.GetBytes(nsp == "/" ? "40" : $"40{nsp},");

    /// <summary>A masked client text frame carrying <paramref name="payload"/> (RFC 6455 §5.2).</summary>
    public static byte[] ClientFrame(ReadOnlySpan<byte> payload)
    {
        var headerLength = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[headerLength + 4 + payload.Length];
        frame[0] = 0x81;
        if (headerLength == 2)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (headerLength == 4)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }
        MaskKey.CopyTo(frame, headerLength);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[headerLength + 4 + i] = (byte)(payload[i] ^ MaskKey[i & 3]);
        }
        return frame;
    }

    /// <summary>Opens the session (HTTP upgrade, open packet) and joins <paramref name="nsp"/>.</summary>
    public static async Task<WsPeer> ConnectAsync(Uri server, string nsp, CancellationToken cancellation)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var peer = new WsPeer(socket);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(server.Host == "localhost" ? "127.0.0.1" : server.Host), server.Port), cancellation);
            var request = $"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {server.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: bG9hZGdlbmVyYXRvcjEyMw==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellation);
            await peer.ReadUpgradeAnswerAsync(cancellation);
            var open = await peer.ReceiveAsync(cancellation);
            if (open.Length == 0 || open.Span[0] != (byte)'0')
            {
                throw new InvalidOperationException("no open packet");
            }
            await peer.SendAsync(ClientFrame(ConnectPayload(nsp)), cancellation);
            var answer = await peer.ReceiveAsync(cancellation);
            if (answer.Length < 2 || answer.Span[0] != (byte)'4' || answer.Span[1] != (byte)'0')
            {
                throw new InvalidOperationException("namespace refused: " + Encoding.UTF8.GetString(answer.Span));
            }
            return peer;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReadUpgradeAnswerAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var end = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                if (!_buffer.AsSpan(0, end).StartsWith("HTTP/1.1 101"u8))
                {
                    throw new InvalidOperationException("upgrade refused: " + Encoding.ASCII.GetString(_buffer, 0, end));
                }
                _start = end + 4; // what follows the headers is already WebSocket data
                return;
            }
            await FillAsync(cancellation);
        }
    }

    /// <summary>Sends a frame made by <see cref="ClientFrame"/>.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellation) =>
        await _socket.SendAsync(frame, SocketFlags.None, cancellation);

    /// <summary>
    /// The payload of the next text or binary frame other than an Engine.IO ping (answered here);
    /// empty when the server closed. Valid until the next call.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellation)
    {
        while (true)
        {
            if (TryTakeFrame(out var opcode, out var payload))
            {
                if (opcode == 0x8)
                {
                    return ReadOnlyMemory<byte>.Empty;
                }
                if (opcode is 0x9 or 0xA)
                {
                    continue; // WebSocket-level ping/pong: the servers under test send none
                }
                if (payload.Length == 1 && payload.Span[0] == (byte)'2')
                {
                    await SendAsync(PongFrame, cancellation);
                    continue;
                }
                return payload;
            }
            if (!await FillAsync(cancellation))
            {
                return ReadOnlyMemory<byte>.Empty;
            }
        }
    }

    /// <summary>Cuts one whole unmasked server frame out of the buffer, if it is all there.</summary>
    private bool TryTakeFrame(out int opcode, out ReadOnlyMemory<byte> payload)
    {
        opcode = 0;
        payload = default;
        var available = _end - _start;
        if (available < 2)
        {
            return false;
        }
        var header = _buffer.AsSpan(_start, available);
        opcode = header[0] & 0x0F;
        long length = header[1] & 0x7F;
        var offset = 2;
        if (length == 126)
        {
            if (available < 4)
            {
                return false;
            }
            length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
            offset = 4;
        }
        else if (length == 127)
        {
            if (available < 10)
            {
                return false;
            }
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(header[2..]);
            offset = 10;
        }
        if (available < offset + length)
        {
            if (offset + length > _buffer.Length)
            {
                Array.Resize(ref _buffer, (int)(offset + length) * 2);
            }
            return false;
        }
        payload = _buffer.AsMemory(_start + offset, (int)length);
        _start += offset + (int)length;
        return true;
    }

    /// <summary>Reads more bytes, first moving what is left to the front of the buffer.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellation)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellation);
        _end += read;
        return read > 0;
    }

    /// <summary>Sends a close frame and shuts the connection down without waiting for the answer.</summary>
    public async Task CloseAsync()
    {
        try
        {
            await _socket.SendAsync(CloseFrame, SocketFlags.None);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already gone: nothing to close.
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
