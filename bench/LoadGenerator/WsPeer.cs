using System.Net.WebSockets;
using System.Text;

namespace SocketIoChat.LoadGenerator;

/// <summary>
/// One Socket.IO v5 client over a raw WebSocket. Frames are pre-encoded by the caller; replies are
/// only matched by prefix, so the generator spends its CPU on the wire, not on JSON.
/// </summary>
internal sealed class WsPeer : IAsyncDisposable
{
    private static readonly byte[] Pong = "3"u8.ToArray();
    private readonly ClientWebSocket _socket = new();
    private byte[] _buffer = new byte[2048];

    public static Uri SocketUrl(Uri server) =>
        new($"ws://{server.Authority}/socket.io/?EIO=4&transport=websocket");

    public static byte[] ConnectFrame(string nsp) => Encoding.UTF8.GetBytes(nsp == "/" ? "40" : $"40{nsp},");

    /// <summary>Opens the session and joins <paramref name="nsp"/>.</summary>
    public static async Task<WsPeer> ConnectAsync(Uri server, string nsp, CancellationToken cancellation)
    {
        var peer = new WsPeer();
        peer._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await peer._socket.ConnectAsync(SocketUrl(server), cancellation);
        var open = await peer.ReceiveAsync(cancellation);
        if (open.Length == 0 || open.Span[0] != (byte)'0')
        {
            throw new InvalidOperationException("no open packet");
        }
        await peer.SendAsync(ConnectFrame(nsp), cancellation);
        var answer = await peer.ReceiveAsync(cancellation);
        if (answer.Length < 2 || answer.Span[0] != (byte)'4' || answer.Span[1] != (byte)'0')
        {
            throw new InvalidOperationException("namespace refused: " + Encoding.UTF8.GetString(answer.Span));
        }
        return peer;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellation) =>
        _socket.SendAsync(frame, WebSocketMessageType.Text, true, cancellation);

    /// <summary>
    /// The next whole message other than a ping (pings are answered here); empty when the socket
    /// closed. Valid until the next call.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var count = 0;
            while (true)
            {
                if (count == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                var result = await _socket.ReceiveAsync(_buffer.AsMemory(count), cancellation);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return ReadOnlyMemory<byte>.Empty;
                }
                count += result.Count;
                if (result.EndOfMessage)
                {
                    break;
                }
            }
            if (count == 1 && _buffer[0] == (byte)'2')
            {
                await _socket.SendAsync(Pong, WebSocketMessageType.Text, true, cancellation);
                continue;
            }
            return _buffer.AsMemory(0, count);
        }
    }

    /// <summary>Starts the close handshake without waiting for the server's answer.</summary>
    public async Task CloseAsync()
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _socket.Abort();
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
