using System.IO.Compression;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SocketIoChat.Tests.Support;

/// <summary>One frame as it came off the wire, with its RSV1 bit (set on a permessage-deflate compressed message).</summary>
public sealed record WireFrame(bool Compressed, int Opcode, byte[] Payload)
{
    /// <summary>The payload as text, inflated first when the frame was compressed.</summary>
    public string Text => Encoding.UTF8.GetString(Compressed ? WireWebSocket.Inflate(Payload) : Payload);
}

/// <summary>
/// A WebSocket client written against the bytes (RFC 6455 over a TCP socket), for tests that must
/// see what ClientWebSocket hides: the handshake's response headers and whether a frame was compressed.
/// It reads single-frame messages only and never compresses; <see cref="SendAsync(ClientFrame[])"/> and
/// <see cref="SendRawAsync"/> put arbitrary (also invalid) frames on the wire, split as a test needs.
/// </summary>
public sealed class WireWebSocket : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private WireWebSocket(TcpClient tcp, int status, IReadOnlyDictionary<string, string> headers, string body)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Status = status;
        Headers = headers;
        Body = body;
    }

    /// <summary>The body of a refused handshake (empty when upgraded).</summary>
    public string Body { get; }

    /// <summary>Status code of the handshake response (101 when upgraded).</summary>
    public int Status { get; }

    /// <summary>Response headers of the handshake, by lower-case name.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Opens <paramref name="pathAndQuery"/> on <paramref name="baseUrl"/>, offering <paramref name="extensions"/> and sending <paramref name="origin"/> if given.</summary>
    public static async Task<WireWebSocket> ConnectAsync(string baseUrl, string pathAndQuery, string? extensions, string? origin = null)
    {
        var uri = new Uri(baseUrl);
        // Each write its own segment, so tests can split frames across TCP writes at will.
        var tcp = new TcpClient { NoDelay = true };
        using var limit = new CancellationTokenSource(Eventually.Limit);
        await tcp.ConnectAsync(uri.Host, uri.Port, limit.Token);
        var stream = tcp.GetStream();
        var request = new StringBuilder()
            .Append($"GET {pathAndQuery} HTTP/1.1\r\n")
            .Append($"Host: {uri.Authority}\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
            .Append($"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n");
        if (extensions is not null)
        {
            request.Append($"Sec-WebSocket-Extensions: {extensions}\r\n");
        }
        if (origin is not null)
        {
            request.Append($"Origin: {origin}\r\n");
        }
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), limit.Token);

        // Byte by byte up to the blank line, so no frame byte is read into a header buffer.
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            await stream.ReadExactlyAsync(one, limit.Token);
            head.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var body = "";
        if (status != 101 && headers.TryGetValue("content-length", out var length))
        {
            var bytes = new byte[int.Parse(length)];
            await stream.ReadExactlyAsync(bytes, limit.Token);
            body = Encoding.UTF8.GetString(bytes);
        }
        return new WireWebSocket(tcp, status, headers, body);
    }

    /// <summary>Sends one masked, uncompressed text frame.</summary>
    public async Task SendTextAsync(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new List<byte> { 0x81 };
        if (payload.Length < 126)
        {
            frame.Add((byte)(0x80 | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.AddRange([0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            throw new ArgumentException("Payloads over 64 KiB are not needed here.", nameof(text));
        }
        var mask = RandomNumberGenerator.GetBytes(4);
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        using var limit = new CancellationTokenSource(Eventually.Limit);
        await _stream.WriteAsync(frame.ToArray(), limit.Token);
    }

    /// <summary>Sends <paramref name="frames"/> back to back in one write.</summary>
    public Task SendAsync(params ClientFrame[] frames) => SendRawAsync(ClientFrame.Concat(frames));

    /// <summary>
    /// Writes <paramref name="bytes"/> as is, in writes of at most <paramref name="chunk"/> bytes
    /// (each its own TCP segment, with a short pause so the server sees them apart).
    /// </summary>
    public async Task SendRawAsync(byte[] bytes, int chunk = int.MaxValue)
    {
        using var limit = new CancellationTokenSource(Eventually.Limit);
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            if (offset > 0)
            {
                await Task.Delay(1, limit.Token);
            }
            await _stream.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)), limit.Token);
        }
    }

    /// <summary>
    /// Reads frames until the server's close frame and returns its status code (-1 for a close
    /// without one); the frames before it are in <paramref name="before"/> if given.
    /// </summary>
    public async Task<int> ReceiveCloseAsync(List<WireFrame>? before = null)
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.Opcode == 0x8)
            {
                return frame.Payload.Length >= 2 ? (frame.Payload[0] << 8) | frame.Payload[1] : -1;
            }
            before?.Add(frame);
        }
    }

    /// <summary>
    /// Fails unless the server ends the TCP connection (a read returns 0) within the test limit,
    /// with nothing more sent before the end.
    /// </summary>
    public async Task ExpectEndOfStreamAsync()
    {
        using var limit = new CancellationTokenSource(Eventually.Limit);
        var buffer = new byte[256];
        int read;
        try
        {
            read = await _stream.ReadAsync(buffer, limit.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The server did not close the TCP connection within {Eventually.Limit}.");
            return;
        }
        Assert.That(read, Is.Zero, () => $"bytes after the close frame: {Convert.ToHexString(buffer, 0, read)}");
    }

    /// <summary>
    /// Reads and discards whatever the server sends until it ends the connection (or the reading
    /// fails); returns the number of bytes read. For clients that only send.
    /// </summary>
    public async Task<long> DrainAsync()
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Reset or disposed: ended either way.
        }
        return total;
    }

    /// <summary>Reads the next frame the server sends.</summary>
    public async Task<WireFrame> ReceiveAsync()
    {
        using var limit = new CancellationTokenSource(Eventually.Limit);
        var header = new byte[2];
        await _stream.ReadExactlyAsync(header, limit.Token);
        Assert.That(header[0] & 0x80, Is.Not.Zero, "a fragmented message (this client reads single frames only)");
        long length = header[1] & 0x7F;
        if (length >= 126)
        {
            var extended = new byte[length == 126 ? 2 : 8];
            await _stream.ReadExactlyAsync(extended, limit.Token);
            length = extended.Aggregate(0L, (value, b) => (value << 8) | b);
        }
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, limit.Token);
        return new WireFrame((header[0] & 0x40) != 0, header[0] & 0x0F, payload);
    }

    /// <summary>Reads frames until a text frame that is not a heartbeat ping (<c>2</c>).</summary>
    public async Task<WireFrame> ReceiveSkippingPingsAsync()
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.Opcode != 1 || frame.Text != "2")
            {
                return frame;
            }
        }
    }

    /// <summary>Inflates one permessage-deflate message (RFC 7692 §7.2.2: the stripped tail is put back).</summary>
    public static byte[] Inflate(byte[] payload)
    {
        using var input = new MemoryStream([.. payload, 0x00, 0x00, 0xFF, 0xFF]);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        inflater.CopyTo(output);
        return output.ToArray();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
