using System.Buffers;
using System.Net.WebSockets;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.EngineIo.Sessions;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>
/// The WebSocket transport on the runtime's <see cref="WebSocket"/>, for what the connection's own
/// framing (<see cref="PipeWebSocketTransport"/>) does not do: permessage-deflate, and WebSockets
/// over HTTP/2. One read loop decodes messages into packets, one write loop is the only writer of
/// the socket, draining the session's queue a frame per packet.
/// </summary>
internal sealed class ManagedWebSocketTransport(EngineSession session, WebSocket socket, BatchingStream? batching) : WebSocketTransport
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    // Cancelled a grace period after the session closes, so a peer that stopped reading cannot
    // keep the loops (and the connection) alive.
    private readonly CancellationTokenSource _abort = new();
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private byte[] _buffer = [];
    private string _invalidPreview = "";

    private enum Outcome { Packet, Closed, TooLarge, Invalid, Failed }

    public override bool IsWritable => socket.State == WebSocketState.Open;

    public override void OnSessionClosed()
    {
        try
        {
            _abort.CancelAfter(CloseGrace);
        }
        catch (ObjectDisposedException)
        {
            // Both loops have ended already.
        }
    }

    /// <inheritdoc />
    public override async Task<bool> TryUpgradeAsync(CancellationToken timeout)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, timeout);
        var probed = false;
        while (true)
        {
            var (outcome, packet) = await ReceivePacketAsync(stop.Token);
            if (outcome != Outcome.Packet)
            {
                return false;
            }
            if (!probed && packet.Type == EnginePacketType.Ping && packet.Data.Span.SequenceEqual("probe"u8))
            {
                await socket.SendAsync(EngineMessage.ProbePong.Frame, WebSocketMessageType.Text, SendFlags(EngineMessage.ProbePong, EngineMessage.ProbePong.Frame.Length), stop.Token);
                session.OnProbed();
                probed = true;
            }
            else if (probed && packet.Type == EnginePacketType.Upgrade)
            {
                return true;
            }
            else if (packet.Type != EnginePacketType.Noop)
            {
                return false;
            }
        }
    }

    /// <inheritdoc />
    public override async Task RunAsync(TimeSpan firstWriteDelay = default)
    {
        var writer = WriteLoopAsync(firstWriteDelay);
        while (true)
        {
            var (outcome, packet) = await ReceivePacketAsync(_abort.Token);
            switch (outcome)
            {
                case Outcome.Packet:
                    // The message as it came: a text message carries the packet type before the data.
                    session.Server.Metrics.PacketsReceived(Name, 1, packet.Data.Length + (packet.IsBinary ? 0 : 1));
                    session.OnPacket(packet);
                    break;
                case Outcome.Closed:
                    session.CloseNow("transport close");
                    break;
                case Outcome.TooLarge:
                    EngineLog.PayloadTooLarge(session.Logger, session.Id, session.Server.Options.MaxHttpBufferSize);
                    // The write loop is the only sender: it closes with this status.
                    _closeStatus = WebSocketCloseStatus.MessageTooBig;
                    session.CloseNow("transport error");
                    break;
                case Outcome.Invalid:
                    EngineLog.InvalidPacket(session.Logger, session.Id, "undecodable WebSocket frame: " + _invalidPreview);
                    session.CloseNow("parse error");
                    break;
                default:
                    session.CloseNow("transport error");
                    break;
            }
            if (session.IsClosed)
            {
                break;
            }
        }
        ReturnBuffer();
        await writer;
        if (_closeStatus == WebSocketCloseStatus.MessageTooBig)
        {
            await DiscardUntilPeerClosesAsync();
        }
        _abort.Dispose();
    }

    /// <summary>
    /// After a 1009, reads on and throws away the rest of the oversize message until the peer's
    /// close frame (or the grace period): a connection let go with unread input is reset by the
    /// kernel, and the reset destroys our close frame before the peer has read it.
    /// </summary>
    private async Task DiscardUntilPeerClosesAsync()
    {
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (socket.State == WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch, _abort.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Reset, or the grace period is over: gone either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Reads one whole message and decodes it; the packet's data is valid until the next call.</summary>
    private async ValueTask<(Outcome, InboundPacket)> ReceivePacketAsync(CancellationToken cancellation)
    {
        var limit = session.Server.Options.MaxHttpBufferSize;
        var count = 0;
        // The previous packet has been handled: an idle connection holds no receive buffer.
        ReturnBuffer();
        try
        {
            // Wait for data without a buffer (a zero-byte read), then rent one for the message.
            var ready = await socket.ReceiveAsync(Memory<byte>.Empty, cancellation);
            if (ready.MessageType == WebSocketMessageType.Close)
            {
                return (Outcome.Closed, default);
            }
            if (ready.EndOfMessage)
            {
                // The zero-byte read consumed a whole empty message.
                var binary = ready.MessageType == WebSocketMessageType.Binary;
                if (session.Protocol.TryReadFrame(ReadOnlyMemory<byte>.Empty, binary, out var empty))
                {
                    return (Outcome.Packet, empty);
                }
                _invalidPreview = EngineLog.Preview([], binary);
                return (Outcome.Invalid, default);
            }
            while (true)
            {
                if (count == _buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Clamp((long)_buffer.Length * 2, 1024, limit + 1));
                    _buffer.AsSpan(0, count).CopyTo(larger);
                    ReturnBuffer();
                    _buffer = larger;
                }
                var result = await socket.ReceiveAsync(_buffer.AsMemory(count), cancellation);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (Outcome.Closed, default);
                }
                count += result.Count;
                if (count > limit)
                {
                    return (Outcome.TooLarge, default);
                }
                if (result.EndOfMessage)
                {
                    var isBinary = result.MessageType == WebSocketMessageType.Binary;
                    if (session.Protocol.TryReadFrame(_buffer.AsMemory(0, count), isBinary, out var packet))
                    {
                        return (Outcome.Packet, packet);
                    }
                    _invalidPreview = EngineLog.Preview(_buffer.AsSpan(0, count), isBinary);
                    return (Outcome.Invalid, default);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            return (Outcome.Failed, default);
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    /// <inheritdoc />
    public override async Task AbandonAsync()
    {
        ReturnBuffer();
        try
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, null, grace.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            socket.Abort();
        }
        _abort.Dispose();
    }

    /// <summary>
    /// Compresses (when permessage-deflate was negotiated) only messages that allow it and reach the
    /// threshold: small frames cost more to deflate than they save, as on the reference.
    /// </summary>
    private WebSocketMessageFlags SendFlags(EngineMessage message, int length) =>
        message.Compress && session.Server.Options.PerMessageDeflate is { } deflate && length >= deflate.Threshold
            ? WebSocketMessageFlags.EndOfMessage
            : WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression;

    private async Task<bool> WaitAsync(OutboundQueue queue)
    {
        await queue.WaitToReadAsync(_abort.Token);
        return !queue.IsFinished;
    }

    private async Task WriteLoopAsync(TimeSpan firstWriteDelay)
    {
        var reader = session.Outbound;
        try
        {
            if (firstWriteDelay > TimeSpan.Zero)
            {
                await Task.Delay(firstWriteDelay, session.Server.Time, _abort.Token);
            }
            while (await WaitAsync(reader))
            {
                // Everything queued right now goes out in one network write (see BatchingStream).
                batching?.BeginBatch();
                try
                {
                    while ((batching is null || !batching.IsFull) && reader.TryDequeue(out var message))
                    {
                        var (data, isBinary) = session.Protocol.WebSocketFrame(message, session.PollingEncoding);
                        await socket.SendAsync(data, isBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, SendFlags(message, data.Length), _abort.Token);
                        session.Server.Metrics.PacketsSent(Name, 1, data.Length);
                    }
                }
                finally
                {
                    if (batching is not null)
                    {
                        await batching.EndBatchAsync(_abort.Token);
                    }
                }
            }
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(_closeStatus, null, _abort.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            session.CloseNow("transport error");
        }
    }
}
