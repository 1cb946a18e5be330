using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.EngineIo.Sessions;

namespace SocketIoChat.EngineIo.Transports;

/// <summary>
/// HTTP long-polling: a GET waits for queued packets and takes all of them, a POST delivers a
/// payload. At most one of each may be in flight; an overlap is a protocol error.
/// </summary>
internal sealed class PollingTransport(EngineSession session) : Transport
{
    private static readonly TimeSpan UpgradeRaceWindow = TimeSpan.FromMilliseconds(100);

    private int _pollActive;
    private int _postActive;
    // Held while a POST hands its packets to the session, so POSTs are handled in arrival order;
    // awaited, so a POST waiting its turn holds no thread (the packets run the layer above's handlers).
    private readonly SemaphoreSlim _postOrder = new(1, 1);
    private CancellationTokenSource? _pendingPoll;

    public override string Name => "polling";

    public override bool IsWritable => Volatile.Read(ref _pollActive) == 1;

    public override void OnSessionClosed()
    {
        // The pending poll is woken by the completed queue; nothing else waits here.
    }

    /// <summary>Ends the pending poll with a noop (used when an upgrade starts or completes).</summary>
    public void ReleasePendingPoll()
    {
        try
        {
            Volatile.Read(ref _pendingPoll)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The poll ended meanwhile.
        }
    }

    /// <summary>Answers a GET, including the handshake GET that carries the open packet.</summary>
    public async Task HandleGetAsync(HttpContext context)
    {
        if (Interlocked.CompareExchange(ref _pollActive, 1, 0) != 0)
        {
            EngineLog.InvalidPacket(session.Logger, session.Id, "overlapping poll");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            session.CloseNow("transport error");
            return;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        Volatile.Write(ref _pendingPoll, wait);
        try
        {
            if (session.IsUpgrading)
            {
                if (await session.WaitForUpgradeAsync(UpgradeRaceWindow))
                {
                    await EngineServer.WriteErrorAsync(context, EngineErrorCode.BadRequest);
                }
                else
                {
                    await WriteAsync(context, [EngineMessage.Noop]);
                }
                return;
            }
            var reader = session.Outbound;
            try
            {
                await reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // Released for an upgrade: the client stops polling on this noop.
                await WriteAsync(context, [EngineMessage.Noop]);
                return;
            }
            catch (OperationCanceledException)
            {
                session.CloseNow("transport error");
                return;
            }
            var batch = new List<EngineMessage>();
            while (reader.TryDequeue(out var message))
            {
                batch.Add(message);
            }
            if (batch.Count == 0)
            {
                batch.Add(EngineMessage.ClosePacket);
            }
            await WriteAsync(context, batch);
            if (reader.IsFinished)
            {
                session.OnDrainedAfterClose();
            }
        }
        finally
        {
            Volatile.Write(ref _pendingPoll, null);
            Volatile.Write(ref _pollActive, 0);
        }
    }

    private async Task WriteAsync(HttpContext context, IReadOnlyList<EngineMessage> messages)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var body = new ArrayBufferWriter<byte>();
        response.ContentType = session.Protocol.WritePollingPayload(body, messages, session.PollingEncoding);
        var payload = body.WrittenMemory;
        if (PollingCompression.Applies(session.Server.Options.HttpCompression, payload.Length, messages)
            && PollingCompression.ChooseEncoding(context.Request.Headers.AcceptEncoding) is { } encoding)
        {
            payload = PollingCompression.Compress(payload.Span, encoding);
            response.Headers.ContentEncoding = encoding;
        }
        response.ContentLength = payload.Length;
        try
        {
            await response.Body.WriteAsync(payload, context.RequestAborted);
            session.Server.Metrics.PacketsSent(Name, messages.Count, payload.Length);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            session.CloseNow("transport error");
        }
    }

    /// <summary>Answers a POST: decodes its payload and hands each packet to the session.</summary>
    public async Task HandlePostAsync(HttpContext context)
    {
        if (Interlocked.CompareExchange(ref _postActive, 1, 0) != 0)
        {
            EngineLog.InvalidPacket(session.Logger, session.Id, "overlapping POST");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            session.CloseNow("transport error");
            return;
        }
        var postReleased = false;
        try
        {
            if (context.Request.ContentLength > session.Server.Options.MaxHttpBufferSize)
            {
                // Refused from the header, as the reference does, before reading anything.
                EngineLog.PayloadTooLarge(session.Logger, session.Id, session.Server.Options.MaxHttpBufferSize);
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            var body = await ReadBodyAsync(context.Request.BodyReader, session.Server.Options.MaxHttpBufferSize, context.RequestAborted);
            if (body is null)
            {
                EngineLog.PayloadTooLarge(session.Logger, session.Id, session.Server.Options.MaxHttpBufferSize);
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            var packets = new List<InboundPacket>();
            if (!session.Protocol.TryReadPollingPayload(body, context.Request.ContentType, session.PollingEncoding, packets))
            {
                EngineLog.InvalidPacket(session.Logger, session.Id, "undecodable polling payload");
                await EngineServer.WriteErrorAsync(context, EngineErrorCode.BadRequest);
                session.CloseNow("parse error");
                return;
            }
            await _postOrder.WaitAsync(context.RequestAborted);
            try
            {
                // Only a POST whose body is still arriving makes the next one an overlap. A client
                // may send its next POST once it sees this one's effect (SocketIOClient emits as
                // soon as the CONNECT answer arrives on the poll) while the packets are still being
                // handled, e.g. by a slow connection handler, or before the "ok" is out: the Node
                // reference handles the packets and answers in one turn of its event loop, so such
                // a POST is never refused there. It waits at this lock and is handled after these.
                Volatile.Write(ref _postActive, 0);
                postReleased = true;
                session.Server.Metrics.PacketsReceived(Name, packets.Count, body.Length);
                foreach (var packet in packets)
                {
                    session.OnPacket(packet);
                }
            }
            finally
            {
                _postOrder.Release();
            }
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/html";
            context.Response.ContentLength = 2;
            await context.Response.Body.WriteAsync("ok"u8.ToArray(), context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // A body that did not arrive whole (too slow, cut short, over Kestrel's own limit) is
            // never acknowledged: the answer carries Kestrel's status for it, not 200.
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
            }
            EngineLog.InvalidPacket(session.Logger, session.Id, "polling body not received whole: " + ex.Message);
            session.CloseNow("transport error");
        }
        finally
        {
            if (!postReleased)
            {
                Volatile.Write(ref _postActive, 0);
            }
        }
    }

    /// <summary>Reads the whole body, or returns null once it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBodyAsync(PipeReader reader, long limit, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellation);
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }
            if (result.IsCompleted)
            {
                var bytes = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return bytes;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
