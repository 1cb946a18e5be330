using System.Net.WebSockets;
using System.Text;

namespace SocketIoChat.Tests.Support;

/// <summary>One WebSocket message as received: text, binary, or the close of the socket.</summary>
public sealed record WsMessage(string? Text, byte[]? Binary, bool IsClose)
{
    /// <inheritdoc />
    public override string ToString() => IsClose ? "<close>" : Text ?? $"<binary {Convert.ToHexString(Binary!)}>";
}

/// <summary>A bare WebSocket client for speaking the protocols by hand in tests.</summary>
public sealed class RawWebSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    private RawWebSocket()
    {
    }

    /// <summary>The underlying socket.</summary>
    public ClientWebSocket Socket => _socket;

    /// <summary>Connects to <paramref name="url"/>; throws if the server refuses the upgrade.</summary>
    public static async Task<RawWebSocket> ConnectAsync(string url)
    {
        var raw = new RawWebSocket();
        using var limit = new CancellationTokenSource(Eventually.Limit);
        await raw._socket.ConnectAsync(new Uri(url), limit.Token);
        return raw;
    }

    /// <summary>Sends a text frame.</summary>
    public Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Sends a binary frame.</summary>
    public Task SendAsync(byte[] data) =>
        _socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>Receives the next whole message (or the close), failing after the test limit.</summary>
    public async Task<WsMessage> ReceiveAsync(TimeSpan? limit = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? Eventually.Limit);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new WsMessage(null, null, true);
                }
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return result.MessageType == WebSocketMessageType.Text
                        ? new WsMessage(Encoding.UTF8.GetString(message.ToArray()), null, false)
                        : new WsMessage(null, message.ToArray(), false);
                }
            }
        }
        catch (WebSocketException)
        {
            // The server dropped the connection without a close handshake: also a close.
            return new WsMessage(null, null, true);
        }
    }

    /// <summary>Receives the next text message, skipping heartbeat pings (<c>2</c>).</summary>
    public async Task<string> ReceiveTextSkippingPingsAsync()
    {
        while (true)
        {
            var message = await ReceiveAsync();
            if (message.Text != "2")
            {
                Assert.That(message.Text, Is.Not.Null, $"expected a text message, got {message}");
                return message.Text!;
            }
        }
    }

    /// <summary>Waits until the server closes the socket; fails if a non-ping message comes first.</summary>
    public async Task ExpectCloseAsync()
    {
        while (true)
        {
            var message = await ReceiveAsync();
            if (message.IsClose)
            {
                return;
            }
            Assert.That(message.Text, Is.EqualTo("2").Or.EqualTo("1"), "expected the socket to close");
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
