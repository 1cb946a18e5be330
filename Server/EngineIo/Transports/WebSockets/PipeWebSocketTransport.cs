using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.EngineIo.Sessions;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>
/// The WebSocket transport on a connection's own pipes (RFC 6455 without extensions). Frames are
/// parsed where they lie in the input pipe's buffers and a whole unfragmented message is unmasked in
/// place and handed up without a copy; only fragmented or split messages are gathered in a pooled
/// buffer. Writes need no writer task: a reply queued while this connection's packets are handed up
/// is written inline once the read is handled (all replies to one read in one flush); a packet
/// queued from anywhere else (a broadcast, a timer) schedules one thread-pool write, which takes
/// whatever has been queued by the time it runs, so a burst costs a recipient one wake-up. Only a
/// flush that has to wait for the network continues asynchronously; packets queued meanwhile go
/// out with the next flush.
/// </summary>
internal sealed class PipeWebSocketTransport : WebSocketTransport, IThreadPoolWorkItem
{
    // The transport whose read loop is handing packets up on this thread, if any.
    [ThreadStatic]
    private static PipeWebSocketTransport? t_reading;

    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    // Flush at least this often while draining a long queue, so one burst does not pile up in memory.
    private const int FlushEvery = 64 * 1024;

    private readonly EngineSession _session;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Action _abort;

    private int _started;   // 1 once queued packets may be written: after the upgrade, or the open delay
    private int _writing;   // 1 while one thread writes into the output (inline, or awaiting a flush)
    private int _scheduled; // 1 while a thread-pool write is queued
    private bool _replied;  // a packet was queued by this connection's own read
    private int _closeFrame; // 0 not sent, 1 written, 2 flushed (or writing failed)
    private byte[]? _pendingPong;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private byte[]? _closeEcho; // the peer's close payload, answered as it came (RFC 6455 §5.5.1)
    private TaskCompletionSource? _closeFlushed;
    private ITimer? _grace;

    // A message that is fragmented or split across reads, gathered here.
    private byte[] _message = [];
    private int _messageLength;
    private bool _fragmented;
    private bool _messageBinary;
    private long _frameRemaining;
    private uint _frameMask;
    private int _frameMaskOffset;
    private bool _frameFin;

    private bool _probed;
    private bool _answerProbe;
    private string _invalidPreview = "";

    public PipeWebSocketTransport(EngineSession session, IDuplexPipe connection, Action abort)
    {
        _session = session;
        _input = connection.Input;
        _output = connection.Output;
        _abort = abort;
    }

    private enum Outcome { Continue, Closed, SessionClosed, TooLarge, Invalid, InvalidText, ProtocolError, Failed, Upgraded, NotUpgraded }

    public override bool IsWritable => Volatile.Read(ref _closeFrame) == 0 && !_session.IsClosed;

    public override void OnQueued()
    {
        if (t_reading == this)
        {
            _replied = true;
            return;
        }
        if (Volatile.Read(ref _writing) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>The scheduled write: everything queued by now goes out in one flush.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _scheduled, 0);
        TryDrain();
    }

    public override void OnSessionClosed()
    {
        ArmGrace();
        TryDrain();
    }

    /// <summary>The close frame follows whatever is still queued; a peer that never takes it is cut off.</summary>
    private void ArmGrace()
    {
        if (Volatile.Read(ref _grace) is not null)
        {
            return;
        }
        var grace = _session.Server.Time.CreateTimer(static state => ((PipeWebSocketTransport)state!).OnGraceOver(), this, CloseGrace, Timeout.InfiniteTimeSpan);
        if (Interlocked.CompareExchange(ref _grace, grace, null) is not null)
        {
            grace.Dispose();
        }
    }

    /// <inheritdoc />
    public override async Task<bool> TryUpgradeAsync(CancellationToken timeout)
    {
        using var cancel = timeout.Register(static state => ((PipeReader)state!).CancelPendingRead(), _input);
        var outcome = await ReadAsync(upgrading: true);
        return outcome == Outcome.Upgraded;
    }

    /// <inheritdoc />
    public override Task RunAsync(TimeSpan firstWriteDelay = default)
    {
        if (firstWriteDelay > TimeSpan.Zero)
        {
            _ = StartAfterAsync(firstWriteDelay);
        }
        else
        {
            Start();
        }
        // Not async itself: an idle connection then holds one state machine (the read loop's), not two.
        return ReadAsync(upgrading: false);
    }

    /// <summary>Ends the session as the read loop's outcome says, sends our close frame and lets the pipes go.</summary>
    private async Task EndAsync(Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.Closed:
                _session.CloseNow("transport close");
                break;
            case Outcome.TooLarge:
                EngineLog.PayloadTooLarge(_session.Logger, _session.Id, _session.Server.Options.MaxHttpBufferSize);
                CloseWith(WebSocketCloseStatus.MessageTooBig, "transport error");
                break;
            case Outcome.Invalid:
                EngineLog.InvalidPacket(_session.Logger, _session.Id, "undecodable WebSocket frame: " + _invalidPreview);
                _session.CloseNow("parse error");
                break;
            case Outcome.InvalidText:
                EngineLog.InvalidPacket(_session.Logger, _session.Id, "WebSocket text frame that is not UTF-8");
                CloseWith(WebSocketCloseStatus.InvalidPayloadData, "transport error");
                break;
            case Outcome.ProtocolError:
                EngineLog.InvalidPacket(_session.Logger, _session.Id, "WebSocket frame against RFC 6455");
                CloseWith(WebSocketCloseStatus.ProtocolError, "transport error");
                break;
            case Outcome.SessionClosed:
                break;
            default:
                _session.CloseNow("transport error");
                break;
        }
        ReturnMessageBuffer();
        // Our close frame goes out before the connection is let go (bounded by the grace timer).
        ArmGrace();
        TryDrain();
        await CloseFlushed().Task;
        if (outcome is Outcome.TooLarge or Outcome.InvalidText or Outcome.ProtocolError)
        {
            await DiscardUntilPeerClosesAsync();
        }
        Interlocked.Exchange(ref _grace, null)?.Dispose();
        CompletePipes();
    }

    /// <summary>
    /// After closing on what the peer sent, reads on and throws away until the peer's close frame,
    /// its end of the stream, or the grace timer. A peer may still be sending (the rest of an
    /// oversize message); letting go of a connection with unread input makes the kernel answer with
    /// a reset, and a reset destroys our close frame before the peer has read it (ws then reports
    /// 1006 instead of 1009). The reference (ws) reads on in the same way.
    /// </summary>
    private async Task DiscardUntilPeerClosesAsync()
    {
        long skip = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync();
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                return;
            }
            var buffer = result.Buffer;
            var closed = SkipToCloseFrame(ref buffer, ref skip);
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (closed || result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Passes over whole frames (<paramref name="skip"/> carries the payload bytes still to pass);
    /// true at a close frame. No limit applies here: nothing is kept.
    /// </summary>
    private static bool SkipToCloseFrame(ref ReadOnlySequence<byte> buffer, ref long skip)
    {
        while (true)
        {
            if (skip > 0)
            {
                var passed = Math.Min(skip, buffer.Length);
                buffer = buffer.Slice(passed);
                skip -= passed;
                if (skip > 0)
                {
                    return false;
                }
            }
            if (!WebSocketFrame.TryRead(buffer, out var frame))
            {
                return false;
            }
            if (frame.Opcode == WebSocketOpcode.Close)
            {
                return true;
            }
            buffer = buffer.Slice(frame.HeaderLength);
            // A length with the top bit set cannot be passed over: everything until the end is thrown away.
            skip = frame.PayloadLength < 0 ? long.MaxValue : frame.PayloadLength;
        }
    }

    private void CompletePipes()
    {
        // Gives pooled buffers back; the connection itself is closed by whoever owns it.
        try
        {
            _input.Complete();
            _output.Complete();
        }
        catch (InvalidOperationException)
        {
            // A write still in flight on a connection that has failed.
        }
    }

    /// <inheritdoc />
    public override async Task AbandonAsync()
    {
        ReturnMessageBuffer();
        try
        {
            WriteCloseFrame(WebSocketCloseStatus.PolicyViolation);
            await _output.FlushAsync();
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            // Gone already.
        }
        CompletePipes();
    }

    private void CloseWith(WebSocketCloseStatus status, string reason)
    {
        _closeStatus = status;
        _session.CloseNow(reason);
    }

    private async Task StartAfterAsync(TimeSpan delay)
    {
        await Task.Delay(delay, _session.Server.Time);
        Start();
    }

    private void Start()
    {
        Volatile.Write(ref _started, 1);
        TryDrain();
    }

    private void OnGraceOver()
    {
        if (Volatile.Read(ref _closeFrame) == 2)
        {
            // Our close frame is out and only a read is left (the discarding one, or the read loop
            // waiting for the client's close): end it, and the connection closes in order rather
            // than by a reset.
            _input.CancelPendingRead();
            return;
        }
        Abort();
    }

    private void Abort()
    {
        try
        {
            _input.CancelPendingRead();
            _abort();
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            // The connection is already gone.
        }
        CloseFlushed().TrySetResult();
    }

    private TaskCompletionSource CloseFlushed()
    {
        if (Volatile.Read(ref _closeFlushed) is { } existing)
        {
            return existing;
        }
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _closeFlushed, created, null) ?? created;
    }

    // ---- reading ----

    private async Task<Outcome> ReadAsync(bool upgrading)
    {
        Outcome outcome;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync();
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                outcome = Outcome.Failed;
                break;
            }
            outcome = OnRead(result, upgrading);
            if (_answerProbe)
            {
                _answerProbe = false;
                if (!await AnswerProbeAsync())
                {
                    outcome = Outcome.Failed;
                }
            }
            if (outcome != Outcome.Continue)
            {
                break;
            }
        }
        if (!upgrading)
        {
            await EndAsync(outcome);
        }
        return outcome;
    }

    /// <summary>Handles what one read brought: its frames, then the replies they queued.</summary>
    private Outcome OnRead(in ReadResult result, bool upgrading)
    {
        var buffer = result.Buffer;
        t_reading = this;
        Outcome outcome;
        try
        {
            outcome = ReadFrames(ref buffer, upgrading);
        }
        finally
        {
            t_reading = null;
        }
        if (_replied)
        {
            _replied = false;
            TryDrain();
        }
        // Stopping early (an upgrade completed) leaves the rest unexamined for the next read.
        _input.AdvanceTo(buffer.Start, outcome == Outcome.Continue ? result.Buffer.End : buffer.Start);
        if (outcome != Outcome.Continue)
        {
            return outcome;
        }
        if (result.IsCanceled)
        {
            return upgrading ? Outcome.NotUpgraded : Outcome.Failed;
        }
        return result.IsCompleted ? Outcome.Failed : Outcome.Continue;
    }

    private Outcome ReadFrames(ref ReadOnlySequence<byte> buffer, bool upgrading)
    {
        Span<byte> control = stackalloc byte[WebSocketFrame.MaxControlPayload];
        while (true)
        {
            if (_frameRemaining > 0)
            {
                // The rest of a frame being gathered.
                if (buffer.IsEmpty)
                {
                    return Outcome.Continue;
                }
                var take = (int)Math.Min(_frameRemaining, buffer.Length);
                var destination = _message.AsSpan(_messageLength, take);
                buffer.Slice(0, take).CopyTo(destination);
                _frameMaskOffset = WebSocketFrame.ApplyMask(destination, _frameMask, _frameMaskOffset);
                _messageLength += take;
                _frameRemaining -= take;
                buffer = buffer.Slice(take);
                if (_frameRemaining > 0 || !_frameFin)
                {
                    continue;
                }
                var gathered = OnGatheredMessage(upgrading);
                if (gathered != Outcome.Continue)
                {
                    return gathered;
                }
                continue;
            }

            if (!WebSocketFrame.TryRead(buffer, out var frame))
            {
                return Outcome.Continue;
            }
            if (!frame.Masked || frame.Reserved != 0 || frame.PayloadLength < 0)
            {
                return Outcome.ProtocolError;
            }
            if (frame.IsControl)
            {
                if (!frame.Fin || frame.PayloadLength > WebSocketFrame.MaxControlPayload)
                {
                    return Outcome.ProtocolError;
                }
                if (buffer.Length < frame.HeaderLength + frame.PayloadLength)
                {
                    return Outcome.Continue;
                }
                var payload = control[..(int)frame.PayloadLength];
                buffer.Slice(frame.HeaderLength, payload.Length).CopyTo(payload);
                WebSocketFrame.ApplyMask(payload, frame.Mask, 0);
                buffer = buffer.Slice(frame.HeaderLength + payload.Length);
                switch (frame.Opcode)
                {
                    case WebSocketOpcode.Close:
                        return OnCloseFrame(payload);
                    case WebSocketOpcode.Ping:
                        Volatile.Write(ref _pendingPong, payload.ToArray());
                        TryDrain();
                        break;
                    case WebSocketOpcode.Pong:
                        break;
                    default:
                        return Outcome.ProtocolError;
                }
                continue;
            }

            switch (frame.Opcode)
            {
                case WebSocketOpcode.Continuation when !_fragmented:
                case WebSocketOpcode.Text or WebSocketOpcode.Binary when _fragmented:
                    return Outcome.ProtocolError;
                case WebSocketOpcode.Continuation or WebSocketOpcode.Text or WebSocketOpcode.Binary:
                    break;
                default:
                    return Outcome.ProtocolError;
            }
            if (_messageLength + frame.PayloadLength > _session.Server.Options.MaxHttpBufferSize)
            {
                return Outcome.TooLarge;
            }
            if (frame.Opcode != WebSocketOpcode.Continuation)
            {
                _messageBinary = frame.Opcode == WebSocketOpcode.Binary;
            }
            var whole = frame.HeaderLength + frame.PayloadLength;
            if (frame.Fin && !_fragmented && buffer.Length >= whole)
            {
                var slice = buffer.Slice(frame.HeaderLength, frame.PayloadLength);
                if (slice.IsSingleSegment)
                {
                    // The common case: one whole message in one buffer, unmasked where it lies.
                    var data = MemoryMarshal.AsMemory(slice.First);
                    WebSocketFrame.ApplyMask(data.Span, frame.Mask, 0);
                    buffer = buffer.Slice(whole);
                    var outcome = OnMessage(data, _messageBinary, upgrading);
                    if (outcome != Outcome.Continue)
                    {
                        return outcome;
                    }
                    continue;
                }
            }
            buffer = buffer.Slice(frame.HeaderLength);
            _fragmented = !frame.Fin || _fragmented;
            _frameFin = frame.Fin;
            _frameMask = frame.Mask;
            _frameMaskOffset = 0;
            _frameRemaining = frame.PayloadLength;
            EnsureMessageCapacity(_messageLength + (int)frame.PayloadLength);
            if (frame.PayloadLength == 0 && frame.Fin)
            {
                // An empty last fragment completes the message at once.
                var outcome = OnGatheredMessage(upgrading);
                if (outcome != Outcome.Continue)
                {
                    return outcome;
                }
            }
        }
    }

    /// <summary>Hands up the message gathered from fragments (or split reads) and starts afresh.</summary>
    private Outcome OnGatheredMessage(bool upgrading)
    {
        var outcome = OnMessage(_message.AsMemory(0, _messageLength), _messageBinary, upgrading);
        _messageLength = 0;
        _fragmented = false;
        ReturnMessageBuffer();
        return outcome;
    }

    private Outcome OnMessage(ReadOnlyMemory<byte> data, bool binary, bool upgrading)
    {
        if (!binary && !Utf8.IsValid(data.Span))
        {
            return Outcome.InvalidText;
        }
        if (!_session.Protocol.TryReadFrame(data, binary, out var packet))
        {
            _invalidPreview = EngineLog.Preview(data.Span, binary);
            return upgrading ? Outcome.NotUpgraded : Outcome.Invalid;
        }
        if (upgrading)
        {
            if (!_probed && packet.Type == EnginePacketType.Ping && packet.Data.Span.SequenceEqual("probe"u8))
            {
                _probed = true;
                _answerProbe = true;
                return Outcome.Continue;
            }
            if (_probed && packet.Type == EnginePacketType.Upgrade)
            {
                return Outcome.Upgraded;
            }
            return packet.Type == EnginePacketType.Noop ? Outcome.Continue : Outcome.NotUpgraded;
        }
        _session.Server.Metrics.PacketsReceived(Name, 1, data.Length);
        _session.OnPacket(packet);
        return _session.IsClosed ? Outcome.SessionClosed : Outcome.Continue;
    }

    private async Task<bool> AnswerProbeAsync()
    {
        // Nothing else writes before the upgrade completes (the queue is not ours until then).
        try
        {
            WebSocketFrame.Write(_output, WebSocketOpcode.Text, EngineMessage.ProbePong.Frame.Span);
            var flushed = await _output.FlushAsync();
            if (flushed.IsCompleted)
            {
                return false;
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            return false;
        }
        _session.OnProbed();
        return true;
    }

    private void EnsureMessageCapacity(int length)
    {
        if (_message.Length >= length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1024));
        _message.AsSpan(0, _messageLength).CopyTo(larger);
        ReturnMessageBuffer();
        _message = larger;
    }

    private void ReturnMessageBuffer()
    {
        if (_message.Length > 0 && _messageLength == 0)
        {
            ArrayPool<byte>.Shared.Return(_message);
            _message = [];
        }
    }

    // ---- writing ----

    /// <summary>
    /// Writes what is queued if nobody else is writing. Runs on the thread that queued the packet
    /// (or read the ping); a flush that cannot complete at once is awaited on its own, and the
    /// packets queued meanwhile are written by that continuation.
    /// </summary>
    private void TryDrain()
    {
        while (Volatile.Read(ref _started) == 1 && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            FlushResult result;
            try
            {
                var flush = WritePending();
                if (!flush.IsCompleted)
                {
                    _ = CompleteFlushAsync(flush);
                    return;
                }
                result = flush.Result;
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                OnWriteFailed();
                return;
            }
            if (!OnFlushed(result))
            {
                return;
            }
        }
    }

    private async Task CompleteFlushAsync(ValueTask<FlushResult> flush)
    {
        FlushResult result;
        try
        {
            result = await flush;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            OnWriteFailed();
            return;
        }
        if (OnFlushed(result))
        {
            TryDrain();
        }
    }

    /// <summary>
    /// Ends one write and gives the writer up; true when more has come meanwhile. After a failure
    /// or the close frame the writer stays taken: nothing more is written.
    /// </summary>
    private bool OnFlushed(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            OnWriteFailed();
            return false;
        }
        if (Interlocked.CompareExchange(ref _closeFrame, 2, 1) == 1)
        {
            CloseFlushed().TrySetResult();
            return false;
        }
        Volatile.Write(ref _writing, 0);
        // Something queued after the last look, whose writer saw us busy, is ours to write.
        return _session.Outbound.Count > 0 || Volatile.Read(ref _pendingPong) is not null || (_session.IsClosed && Volatile.Read(ref _closeFrame) == 0);
    }

    private ValueTask<FlushResult> WritePending()
    {
        var written = 0;
        if (Interlocked.Exchange(ref _pendingPong, null) is { } pong)
        {
            WebSocketFrame.Write(_output, WebSocketOpcode.Pong, pong);
            written += pong.Length + 2;
        }
        var queue = _session.Outbound;
        while (written < FlushEvery && queue.TryDequeue(out var message))
        {
            var (data, isBinary) = _session.Protocol.WebSocketFrame(message, _session.PollingEncoding);
            WebSocketFrame.Write(_output, isBinary ? WebSocketOpcode.Binary : WebSocketOpcode.Text, data.Span);
            written += data.Length + WebSocketFrame.MaxHeaderLength;
            _session.Server.Metrics.PacketsSent(Name, 1, data.Length);
        }
        if (_session.IsClosed && queue.Count == 0 && Volatile.Read(ref _closeFrame) == 0)
        {
            WriteCloseFrame(_closeStatus);
            Volatile.Write(ref _closeFrame, 1);
            written++;
        }
        return written > 0 ? _output.FlushAsync() : new ValueTask<FlushResult>(default(FlushResult));
    }

    /// <summary>
    /// A close frame from the peer: a valid one is answered with its own code and reason (as the
    /// <c>ws</c> library does, an empty one with an empty close); a code that may not be sent is a
    /// protocol error, a reason that is not UTF-8 invalid data (§7.4.1, §5.5.1).
    /// </summary>
    private Outcome OnCloseFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
        {
            return Outcome.ProtocolError;
        }
        if (payload.Length >= 2)
        {
            int code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            var valid = code is >= 1000 and <= 1014 and not 1004 and not 1005 and not 1006 or >= 3000 and <= 4999;
            if (!valid)
            {
                return Outcome.ProtocolError;
            }
            if (!Utf8.IsValid(payload[2..]))
            {
                return Outcome.InvalidText;
            }
        }
        Volatile.Write(ref _closeEcho, payload.ToArray());
        return Outcome.Closed;
    }

    private void WriteCloseFrame(WebSocketCloseStatus status)
    {
        if (Volatile.Read(ref _closeEcho) is { } echo)
        {
            WebSocketFrame.Write(_output, WebSocketOpcode.Close, echo);
            return;
        }
        Span<byte> code = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(code, (ushort)status);
        WebSocketFrame.Write(_output, WebSocketOpcode.Close, code);
    }

    private void OnWriteFailed()
    {
        Volatile.Write(ref _closeFrame, 2);
        _session.CloseNow("transport error");
        Abort();
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException;
}
