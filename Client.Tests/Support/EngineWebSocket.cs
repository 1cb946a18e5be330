using System.Net.WebSockets;
using System.Threading.Channels;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// A WebSocket client for speaking Engine.IO (and Socket.IO on top) by hand. A background loop
/// reads every message into an inbox and, unless told otherwise, answers each heartbeat ping
/// (<c>2</c>) with a pong (<c>3</c>) at once: with the suites' 300/200 ms heartbeat, a test that
/// pongs only when it gets round to reading would lose its session on a slow machine.
/// Pings still appear in the inbox, so tests can see them.
/// </summary>
public sealed class EngineWebSocket : IAsyncDisposable
{
    private readonly RawWebSocket _raw;
    private readonly bool _answerPings;
    private readonly Channel<WsMessage> _inbox = Channel.CreateUnbounded<WsMessage>();
    // ClientWebSocket allows one send at a time; the loop's pongs and the test's sends share it.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Task _reader;
    private int _pingsAnswered;

    private EngineWebSocket(RawWebSocket raw, bool answerPings)
    {
        _raw = raw;
        _answerPings = answerPings;
        _reader = ReadLoopAsync();
    }

    /// <summary>The underlying socket (for its close status, for example).</summary>
    public ClientWebSocket Socket => _raw.Socket;

    /// <summary>How many pings the background loop has answered.</summary>
    public int PingsAnswered => Volatile.Read(ref _pingsAnswered);

    /// <summary>Connects to <paramref name="url"/>; throws if the server refuses the upgrade.</summary>
    public static async Task<EngineWebSocket> ConnectAsync(string url, bool answerPings = true) =>
        new(await RawWebSocket.ConnectAsync(url), answerPings);

    /// <summary>Connects and reads the Engine.IO open packet; returns the socket and the packet's JSON.</summary>
    public static async Task<(EngineWebSocket Socket, JObject Open)> OpenAsync(string url, bool answerPings = true)
    {
        var socket = await ConnectAsync(url, answerPings);
        var open = await socket.NextAsync();
        Assert.That(open.Text, Does.StartWith("0"), "the first message must be the open packet");
        return (socket, JObject.Parse(open.Text![1..]));
    }

    /// <summary>Sends a text message.</summary>
    public async Task SendAsync(string text)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _raw.SendAsync(text);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a binary message.</summary>
    public async Task SendAsync(byte[] data)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _raw.SendAsync(data);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The next message, pings included; a close once the socket is closed.</summary>
    public async Task<WsMessage> NextAsync(TimeSpan? limit = null)
    {
        var reader = _inbox.Reader;
        if (await reader.WaitToReadAsync().AsTask().Within(limit) && reader.TryRead(out var message))
        {
            return message;
        }
        return new WsMessage(null, null, true);
    }

    /// <summary>The next message that is not a heartbeat ping, within the limit (pings go on meanwhile).</summary>
    public async Task<WsMessage> NextSkippingPingsAsync(TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Eventually.Limit);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail("only heartbeat pings arrived within the limit");
            }
            var message = await NextAsync(left);
            if (message.Text != "2")
            {
                return message;
            }
        }
    }

    /// <summary>The next text message that is not a heartbeat ping; fails on binary or close.</summary>
    public async Task<string> NextTextAsync()
    {
        var message = await NextSkippingPingsAsync();
        Assert.That(message.Text, Is.Not.Null, $"expected a text message, got {message}");
        return message.Text!;
    }

    /// <summary>Waits for the server to close the socket; only heartbeat pings may come first.</summary>
    public async Task ExpectClosedAsync()
    {
        var message = await NextSkippingPingsAsync();
        Assert.That(message.IsClose, Is.True, $"expected the server to close the socket, got {message}");
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var message = await _raw.ReceiveAsync(Timeout.InfiniteTimeSpan);
                if (_answerPings && message.Text == "2")
                {
                    await PongAsync();
                }
                _inbox.Writer.TryWrite(message);
                if (message.IsClose)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException or WebSocketException)
        {
            // Disposed while reading, or the socket died while a pong was sent: either way it is
            // closed, and anyone still waiting is told so.
            _inbox.Writer.TryWrite(new WsMessage(null, null, true));
        }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }

    private async Task PongAsync()
    {
        await SendAsync("3");
        Interlocked.Increment(ref _pingsAnswered);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _raw.DisposeAsync();
        await _reader;
        _sendLock.Dispose();
    }
}
