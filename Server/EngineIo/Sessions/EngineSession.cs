using Microsoft.Extensions.Logging;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.EngineIo.Transports;

namespace SocketIoChat.EngineIo.Sessions;

/// <summary>
/// One Engine.IO session: its bounded outbound queue (drained by exactly one writer, the current
/// transport), its heartbeat deadlines and its upgrade state. The queue outlives transports, so an
/// upgrade hands the undelivered packets to the WebSocket.
/// </summary>
internal sealed class EngineSession : IEngineConnection
{
    private enum SessionState { Open, Closed }

    private readonly EngineServer _server;
    private readonly OutboundQueue _outbound;
    private readonly Lock _heartbeatLock = new();
    // Made only when somebody asks (most sessions never do), so an idle session holds neither.
    private LazyCancellation _closed;
    private TaskCompletionSource? _upgraded;
    private Transport _transport;
    private int _state;
    private int _upgrade; // 0 none, 1 probing, 2 upgraded
    private bool _awaitingPong;
    private long _deadline;
    private bool _removeOnDeadline;
    private int _metered; // the transport counted in engineio.connections: 0 none yet, 1 polling, 2 websocket, 3 closed

    public EngineSession(EngineServer server, string id, EngineProtocol protocol, EngineHandshake handshake, PollingEncoding pollingEncoding, Func<EngineSession, Transport> transport)
    {
        _server = server;
        Id = id;
        Protocol = protocol;
        Handshake = handshake;
        PollingEncoding = pollingEncoding;
        _outbound = new OutboundQueue(server.Options.MaxQueuedPackets);
        HeartbeatTicket = new HeartbeatTicket(this);
        _transport = transport(this);
    }

    public string Id { get; }

    public EngineProtocol Protocol { get; }

    public int ProtocolVersion => Protocol.Version;

    public EngineHandshake Handshake { get; }

    /// <summary>How this client's polling payloads are framed (v3 has several forms).</summary>
    public PollingEncoding PollingEncoding { get; }

    public void SetClientGeneration(bool legacy)
    {
        // Only a v3 client's encoding can still be unknown; v4 sessions share a settled one.
        if (PollingEncoding.GenerationUnknown)
        {
            PollingEncoding.SetGeneration(legacy);
            EngineLog.GenerationRecognised(Logger, Id, legacy ? "1.x" : "2.x", "namespace CONNECT framing");
        }
    }

    public string TransportName => Volatile.Read(ref _transport).Name;

    public Transport Transport => Volatile.Read(ref _transport);

    // Not while an upgrade is being probed: the pending poll is about to be released with a noop
    // and the WebSocket does not carry packets yet, so (as in the reference) nothing is writable now.
    public bool IsWritable => !IsClosed && !IsUpgrading && Transport.IsWritable && _outbound.Count == 0;

    public CancellationToken Closed => _closed.Token;

    public object? State { get; set; }

    public bool IsClosed => Volatile.Read(ref _state) == (int)SessionState.Closed;

    /// <summary>True between the probe and the upgrade packet: polls are then answered with a noop.</summary>
    public bool IsUpgrading => Volatile.Read(ref _upgrade) == 1;

    public OutboundQueue Outbound => _outbound;

    /// <summary>What the heartbeat queue holds for this session; released when the server removes it.</summary>
    internal HeartbeatTicket HeartbeatTicket { get; }

    internal EngineServer Server => _server;

    internal ILogger Logger => _server.Logger;

    public bool Send(EngineMessage message)
    {
        if (IsClosed)
        {
            return false;
        }
        if (_outbound.TryEnqueue(message))
        {
            Transport.OnQueued();
            return true;
        }
        if (!IsClosed)
        {
            EngineLog.SlowClient(Logger, Id, _server.Options.MaxQueuedPackets);
            CloseNow("transport error");
        }
        return false;
    }

    /// <summary>
    /// Closes on request of the layer above: what is queued is still delivered. A polling session
    /// stays findable until one more poll has taken it, ending with a close packet.
    /// </summary>
    public void Close(string reason)
    {
        if (!TryMarkClosed())
        {
            return;
        }
        EngineLog.SessionClosed(Logger, Id, reason);
        if (Transport is PollingTransport polling)
        {
            // A polling client learns of the close from the next poll; keep the session findable
            // until that poll has drained the queue, or until the grace period ends.
            _outbound.TryEnqueue(EngineMessage.ClosePacket);
            _outbound.Complete();
            lock (_heartbeatLock)
            {
                _removeOnDeadline = true;
                _deadline = _server.Heartbeat.After(_server.Options.PingTimeout);
                _server.Heartbeat.Schedule(this, _deadline);
            }
            polling.OnSessionClosed();
        }
        else
        {
            _outbound.Complete();
            _server.Remove(this);
            Transport.OnSessionClosed();
        }
        Finish(reason);
    }

    /// <summary>
    /// Closes on an error: the session id is unknown from now on;
    /// a pending poll gets <paramref name="farewell"/> (a close packet unless told otherwise).
    /// </summary>
    public void CloseNow(string reason, EngineMessage? farewell = null)
    {
        if (!TryMarkClosed())
        {
            return;
        }
        EngineLog.SessionClosed(Logger, Id, reason);
        _server.Remove(this);
        if (Transport is PollingTransport)
        {
            _outbound.TryEnqueue(farewell ?? EngineMessage.ClosePacket);
        }
        _outbound.Complete();
        Transport.OnSessionClosed();
        Finish(reason);
    }

    /// <summary>Called by the polling transport once a poll has taken the last queued packet.</summary>
    public void OnDrainedAfterClose() => _server.Remove(this);

    private bool TryMarkClosed() =>
        Interlocked.Exchange(ref _state, (int)SessionState.Closed) != (int)SessionState.Closed;

    private void Finish(string reason)
    {
        // Lock-free, so a listener's callback never runs under a lock; an upgrade racing the close
        // may briefly show -1 websocket, and the sums come out right.
        var metered = Interlocked.Exchange(ref _metered, 3);
        if (metered is 1 or 2)
        {
            var transport = metered == 1 ? "polling" : "websocket";
            _server.Metrics.ConnectionChanged(-1, ProtocolVersion, transport);
            _server.Metrics.ConnectionClosed(_server.Time.GetUtcNow() - Handshake.Issued, ProtocolVersion, transport);
        }
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException ex)
        {
            EngineLog.CallbackFailed(Logger, Id, ex);
        }
        try
        {
            _server.Handler.OnClosed(this, reason);
        }
        catch (Exception ex)
        {
            EngineLog.CallbackFailed(Logger, Id, ex);
        }
    }

    /// <summary>Starts the heartbeat; called once the open packet is queued.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _metered, Transport is PollingTransport ? 1 : 2, 0) == 0)
        {
            _server.Metrics.ConnectionChanged(1, ProtocolVersion, TransportName);
        }
        lock (_heartbeatLock)
        {
            var options = _server.Options;
            _deadline = Protocol.ServerSendsPings
                ? _server.Heartbeat.After(options.PingInterval)
                : _server.Heartbeat.After(options.PingInterval + options.PingTimeout);
            _server.Heartbeat.Schedule(this, _deadline);
        }
    }

    /// <summary>A deadline registered with the scheduler has passed.</summary>
    public void OnDeadline(long due)
    {
        var sendPing = false;
        lock (_heartbeatLock)
        {
            if (due != _deadline)
            {
                return; // moved since
            }
            if (_removeOnDeadline)
            {
                _server.Remove(this);
                return;
            }
            if (IsClosed)
            {
                return;
            }
            if (Protocol.ServerSendsPings && !_awaitingPong)
            {
                _awaitingPong = true;
                // Counted from when the ping was due, not from when the timer got to it.
                _deadline = due + _server.Heartbeat.Ticks(_server.Options.PingTimeout);
                _server.Heartbeat.Schedule(this, _deadline);
                sendPing = true;
            }
        }
        if (sendPing)
        {
            Send(EngineMessage.Ping);
        }
        else
        {
            CloseNow("ping timeout");
        }
    }

    /// <summary>
    /// Closes the session if its heartbeat deadline has passed but the timer has not run yet, so a
    /// request arriving just after the deadline never finds a session that should be dead.
    /// </summary>
    public bool ExpireIfOverdue()
    {
        lock (_heartbeatLock)
        {
            var overdue = !IsClosed && !_removeOnDeadline
                && (_awaitingPong || !Protocol.ServerSendsPings)
                && _server.Heartbeat.Now >= _deadline;
            if (!overdue)
            {
                return false;
            }
        }
        CloseNow("ping timeout");
        return true;
    }

    /// <summary>Handles one decoded packet from whichever transport received it.</summary>
    public void OnPacket(in InboundPacket packet)
    {
        if (IsClosed)
        {
            return;
        }
        switch (packet.Type)
        {
            case EnginePacketType.Message:
                try
                {
                    _server.Handler.OnMessage(this, packet.Data.Span, packet.IsBinary);
                }
                catch (Exception ex)
                {
                    EngineLog.CallbackFailed(Logger, Id, ex);
                    CloseNow("transport error");
                }
                break;
            case EnginePacketType.Pong when Protocol.ServerSendsPings:
                lock (_heartbeatLock)
                {
                    _awaitingPong = false;
                    _deadline = _server.Heartbeat.After(_server.Options.PingInterval);
                    _server.Heartbeat.Schedule(this, _deadline);
                }
                break;
            case EnginePacketType.Ping when !Protocol.ServerSendsPings:
                lock (_heartbeatLock)
                {
                    _deadline = _server.Heartbeat.After(_server.Options.PingInterval + _server.Options.PingTimeout);
                    _server.Heartbeat.Schedule(this, _deadline);
                }
                Send(packet.Data.IsEmpty ? EngineMessage.Pong : EngineMessage.Text(EnginePacketType.Pong, packet.Data.Span));
                break;
            case EnginePacketType.Close:
                // The client said goodbye: a pending poll ends with a noop, and the sid is unknown
                // at once, as in the reference.
                CloseNow("transport close", EngineMessage.Noop);
                break;
            case EnginePacketType.Noop:
            case EnginePacketType.Upgrade:
                break;
            default:
                EngineLog.InvalidPacket(Logger, Id, $"unexpected {packet.Type} packet");
                CloseNow("parse error");
                break;
        }
    }

    /// <summary>A WebSocket with this sid wants to probe; false when an upgrade is not possible.</summary>
    public bool TryBeginProbe() =>
        !IsClosed && Transport is PollingTransport && Interlocked.CompareExchange(ref _upgrade, 1, 0) == 0;

    /// <summary>The probe was answered: end the pending poll so the client pauses polling.</summary>
    public void OnProbed()
    {
        if (Transport is PollingTransport polling)
        {
            polling.ReleasePendingPoll();
        }
    }

    /// <summary>
    /// Waits up to <paramref name="limit"/> for a probing upgrade to finish; true if the session
    /// upgraded meanwhile. A poll that races the client's upgrade packet is then refused rather than
    /// answered (the reference answers such polls from a 100 ms check, so the same race goes the same way).
    /// </summary>
    public async Task<bool> WaitForUpgradeAsync(TimeSpan limit)
    {
        var upgraded = Volatile.Read(ref _upgraded);
        if (upgraded is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            upgraded = Interlocked.CompareExchange(ref _upgraded, created, null) ?? created;
        }
        // As with Closed: an upgrade completed meanwhile may not have seen the source.
        if (HasUpgraded)
        {
            return true;
        }
        try
        {
            await upgraded.Task.WaitAsync(limit, _server.Time);
        }
        catch (TimeoutException)
        {
            // Still probing: the caller answers the poll with a noop.
        }
        return HasUpgraded;
    }

    /// <summary>The client sent the upgrade packet: the WebSocket becomes the only transport.</summary>
    public void CompleteUpgrade(Transport transport)
    {
        var previous = Interlocked.Exchange(ref _transport, transport);
        Interlocked.Exchange(ref _upgrade, 2);
        if (Interlocked.CompareExchange(ref _metered, 2, 1) == 1)
        {
            _server.Metrics.ConnectionChanged(-1, ProtocolVersion, "polling");
            _server.Metrics.ConnectionChanged(1, ProtocolVersion, "websocket");
        }
        Interlocked.CompareExchange(ref _upgraded, null, null)?.TrySetResult();
        if (previous is PollingTransport polling)
        {
            polling.ReleasePendingPoll();
        }
    }

    /// <summary>The probe failed: the session stays on polling and may try again.</summary>
    public void AbortUpgrade() => Interlocked.CompareExchange(ref _upgrade, 0, 1);

    /// <summary>True once the session has upgraded (or is upgrading): a second WebSocket is refused.</summary>
    public bool HasUpgraded => Volatile.Read(ref _upgrade) == 2;
}
