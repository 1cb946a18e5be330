using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.EngineIo.Sessions;
using SocketIoChat.EngineIo.Transports;
using SocketIoChat.EngineIo.Transports.WebSockets;

namespace SocketIoChat.EngineIo;

/// <summary>
/// An Engine.IO server at one path: validates requests as the reference server does, opens
/// sessions, routes polls, posts and WebSockets to them, and hands messages to one
/// <see cref="IEngineConnectionHandler"/>.
/// </summary>
public sealed class EngineServer : IDisposable
{
    private readonly ConcurrentDictionary<string, EngineSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a server; <paramref name="handler"/> receives every session's events. Metrics go to
    /// meters made by <paramref name="meterFactory"/> (the application's, from dependency injection),
    /// or to a meter of the process when it is null.
    /// </summary>
    public EngineServer(EngineIoOptions options, IEngineConnectionHandler handler, ILoggerFactory loggerFactory, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        Metrics = new EngineMetrics(meterFactory);
        Options = options;
        Handler = handler;
        Time = time ?? TimeProvider.System;
        Logger = loggerFactory.CreateLogger("SocketIoChat.EngineIo");
        Heartbeat = new HeartbeatScheduler(Time);
    }

    /// <summary>The options this server runs with.</summary>
    public EngineIoOptions Options { get; }

    /// <summary>Number of live sessions.</summary>
    public int SessionCount => _sessions.Count;

    internal IEngineConnectionHandler Handler { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal HeartbeatScheduler Heartbeat { get; }

    internal EngineMetrics Metrics { get; }

    /// <summary>Handles one HTTP request or WebSocket upgrade addressed to this server's path.</summary>
    public async Task HandleRequestAsync(HttpContext context)
    {
        if (await AnswerAsync(context) is { } webSocket)
        {
            await webSocket.RunAsync();
        }
    }

    /// <summary>
    /// Answers a request. A WebSocket that opened or upgraded a session is returned, to be run for
    /// the connection's life by a caller that need not keep the request (the connection middleware
    /// lets it go, so nothing of it stays alive with an idle connection).
    /// </summary>
    internal async Task<WebSocketRun?> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (!IsOriginAllowed(request, out var origin))
        {
            EngineLog.OriginRefused(Logger, origin, request.Method, request.Path + request.QueryString);
            await WriteErrorAsync(context, EngineErrorCode.Forbidden);
            return null;
        }
        var transport = request.Query["transport"].ToString();
        var isWebSocket = context.WebSockets.IsWebSocketRequest;
        if (!Options.Transports.Contains(transport))
        {
            await RefuseAsync(context, EngineErrorCode.UnknownTransport);
            return null;
        }
        var sid = request.Query["sid"].ToString();
        if (sid.Length > 0)
        {
            if (!_sessions.TryGetValue(sid, out var session) || session.ExpireIfOverdue())
            {
                await RefuseAsync(context, EngineErrorCode.UnknownSid);
            }
            else if (isWebSocket && transport == "websocket")
            {
                return await UpgradeAsync(context, session);
            }
            else if (isWebSocket || session.TransportName != transport || session.Transport is not PollingTransport polling)
            {
                await RefuseAsync(context, EngineErrorCode.BadRequest);
            }
            else if (HttpMethods.IsGet(request.Method))
            {
                await polling.HandleGetAsync(context);
            }
            else if (HttpMethods.IsPost(request.Method))
            {
                await polling.HandlePostAsync(context);
            }
            else
            {
                await RefuseAsync(context, EngineErrorCode.BadRequest);
            }
            return null;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            await RefuseAsync(context, EngineErrorCode.BadHandshakeMethod);
            return null;
        }
        if (isWebSocket != (transport == "websocket"))
        {
            await RefuseAsync(context, EngineErrorCode.BadRequest);
            return null;
        }
        if (Options.AllowRequest is { } allow && await allow(context) is { } refusal)
        {
            await RefuseAsync(context, EngineErrorCode.Forbidden, refusal);
            return null;
        }
        var protocol = EngineProtocol.FromQuery(request.Query["EIO"]);
        if (protocol is null)
        {
            await RefuseAsync(context, EngineErrorCode.UnsupportedProtocolVersion);
            return null;
        }
        if (isWebSocket)
        {
            var makeTransport = await WebSocketAcceptor.AcceptAsync(context, Options.PerMessageDeflate);
            WebSocketTransport? ws = null;
            Open(context, protocol, s => ws = makeTransport(s));
            return new WebSocketRun(ws!, protocol.WebSocketOpenDelay);
        }
        else
        {
            var session = Open(context, protocol, s => new PollingTransport(s));
            if (Options.Cookie is { } cookie)
            {
                // Only the polling handshake carries it, as on the reference (its WebSocket answer
                // is written before the session exists).
                context.Response.Cookies.Append(cookie.Name, session.Id, cookie.ToCookieOptions());
            }
            await ((PollingTransport)session.Transport).HandleGetAsync(context);
        }
        return null;
    }

    private bool IsOriginAllowed(HttpRequest request, out string origin)
    {
        origin = request.Headers.Origin.ToString();
        // Browsers send "scheme://host[:port]" or "null" and cannot be made to send anything else;
        // other clients may send nothing, or something else (socket.io-client 1.x in Node sends
        // "host:port"): those could as well leave the header out, so only browsers' origins are checked.
        if (origin.Length == 0 || (origin != "null" && !origin.Contains("://", StringComparison.Ordinal)))
        {
            return true;
        }
        var allowed = Options.AllowedOrigins;
        if (allowed.Count == 0)
        {
            return string.Equals(origin, request.Scheme + "://" + request.Host.Value, StringComparison.OrdinalIgnoreCase);
        }
        foreach (var entry in allowed)
        {
            if (entry == "*" || string.Equals(entry.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private EngineSession Open(HttpContext context, EngineProtocol protocol, Func<EngineSession, Transport> transport)
    {
        var session = new EngineSession(this, RandomIds.New(), protocol, new EngineHandshake(context, Time), protocol.PollingEncodingFor(context.Request.Query), transport);
        _sessions[session.Id] = session;
        session.Send(EngineMessage.Text(EnginePacketType.Open, OpenPayload(session)));
        EngineLog.SessionOpened(Logger, session.Id, protocol.Version, protocol.ClientGenerations, session.TransportName, session.Handshake.Address);
        if (session.PollingEncoding.DoubleUtf8)
        {
            EngineLog.GenerationRecognised(Logger, session.Id, "1.x", "engine.io-client <= 1.5 request stamps");
        }
        session.Start();
        try
        {
            Handler.OnOpened(session);
        }
        catch (Exception ex)
        {
            EngineLog.CallbackFailed(Logger, session.Id, ex);
            session.CloseNow("transport error");
        }
        return session;
    }

    private byte[] OpenPayload(EngineSession session)
    {
        var upgrades = session.Transport is PollingTransport && Options.AllowUpgrades && Options.Transports.Contains("websocket")
            ? "[\"websocket\"]"
            : "[]";
        var json = $"{{\"sid\":\"{session.Id}\",\"upgrades\":{upgrades},\"pingInterval\":{(long)Options.PingInterval.TotalMilliseconds},\"pingTimeout\":{(long)Options.PingTimeout.TotalMilliseconds},\"maxPayload\":{Options.MaxHttpBufferSize}}}";
        return Encoding.UTF8.GetBytes(json);
    }

    private async Task<WebSocketRun?> UpgradeAsync(HttpContext context, EngineSession session)
    {
        var transport = (await WebSocketAcceptor.AcceptAsync(context, Options.PerMessageDeflate))(session);
        if (!Options.AllowUpgrades || !session.TryBeginProbe())
        {
            EngineLog.UpgradeAbandoned(Logger, session.Id, session.HasUpgraded ? "already upgraded" : "upgrade not possible");
            await transport.AbandonAsync();
            return null;
        }
        bool upgraded;
        bool timedOut;
        // Cancels the socket's pending read: aborting the socket alone leaves a read on the upgraded
        // connection waiting for the client.
        using (var timeout = new CancellationTokenSource(Options.UpgradeTimeout, Time))
        {
            upgraded = await transport.TryUpgradeAsync(timeout.Token);
            timedOut = timeout.IsCancellationRequested;
        }
        if (!upgraded || session.IsClosed)
        {
            session.AbortUpgrade();
            EngineLog.UpgradeAbandoned(Logger, session.Id, timedOut ? "upgradeTimeout passed" : "no valid probe and upgrade packet");
            await transport.AbandonAsync();
            return null;
        }
        session.CompleteUpgrade(transport);
        Metrics.Upgraded(session.ProtocolVersion);
        EngineLog.Upgraded(Logger, session.Id);
        return new WebSocketRun(transport, TimeSpan.Zero);
    }

    private Task RefuseAsync(HttpContext context, EngineErrorCode code, string? message = null)
    {
        EngineLog.RequestRefused(Logger, (int)code, message ?? EngineErrors.Message(code), context.Request.Method, context.Request.Path + context.Request.QueryString);
        return WriteErrorAsync(context, code, message);
    }

    /// <summary>Writes the reference server's error answer: status and <c>{"code":N,"message":"…"}</c>.</summary>
    internal static Task WriteErrorAsync(HttpContext context, EngineErrorCode code, string? message = null)
    {
        var response = context.Response;
        response.StatusCode = EngineErrors.HttpStatus(code);
        response.ContentType = "application/json";
        var text = System.Text.Json.JsonSerializer.Serialize(message ?? EngineErrors.Message(code));
        var body = Encoding.UTF8.GetBytes($"{{\"code\":{(int)code},\"message\":{text}}}");
        // With a length, as the reference sends it (also on a refused WebSocket handshake).
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    internal void Remove(EngineSession session)
    {
        _sessions.TryRemove(new KeyValuePair<string, EngineSession>(session.Id, session));
        // Removed sessions need no more deadlines: the heartbeat queue must not keep them alive.
        session.HeartbeatTicket.Release();
    }

    /// <summary>Closes every session, e.g. when the application stops.</summary>
    public void CloseAll(string reason)
    {
        foreach (var session in _sessions.Values)
        {
            session.Close(reason);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Heartbeat.Dispose();
}
