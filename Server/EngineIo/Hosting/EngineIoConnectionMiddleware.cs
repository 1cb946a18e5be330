using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIoChat.EngineIo.Transports;
using SocketIoChat.EngineIo.Transports.WebSockets;

namespace SocketIoChat.EngineIo.Hosting;

/// <summary>
/// A Kestrel connection middleware that looks at a new connection's first request: a WebSocket
/// upgrade to an Engine.IO path is served right here, on the connection's own pipes, so none of
/// Kestrel's per-request HTTP objects stay alive for the life of the WebSocket (the reference does
/// the same: it takes upgrades from Node's HTTP server before any request handler). Every other
/// connection goes to HTTP untouched: nothing is consumed, and what was looked at is read again.
/// </summary>
internal sealed class EngineIoConnectionMiddleware(ConnectionDelegate next, IServiceProvider services)
{
    private EngineServerDirectory? _directory;
    private IAuthenticationSchemeProvider? _schemes;
    private KestrelServerLimits? _limits;
    // Null until the first upgrade; then the middleware, or NoForwarding when none is configured.
    private object? _forwarding;
    private static readonly object NoForwarding = new();

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        _directory ??= (EngineServerDirectory?)services.GetService(typeof(EngineServerDirectory));
        if (_directory is not { IsEmpty: false } directory)
        {
            await next(connection);
            return;
        }
        _limits ??= services.GetService<IOptions<KestrelServerOptions>>()?.Value.Limits ?? new KestrelServerLimits();
        var (start, head) = await ReadHeadAsync(connection, directory, _limits);
        if (start == ConnectionStart.Http)
        {
            await next(connection);
            return;
        }
        if (head is null)
        {
            // Too slow: HTTP would restart its clocks, so the connection ends here, as Kestrel ends it.
            await EndSlowConnectionAsync(connection, start);
            return;
        }
        var logger = head.Server.Logger;
        try
        {
            // The request, its features and the head are garbage once answered: only the transport
            // lives on with the connection.
            if (await AnswerAsync(connection, head) is { } webSocket)
            {
                await webSocket.RunAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogDebug(ex, "WebSocket connection {ConnectionId} ended with an error", connection.ConnectionId);
            connection.Abort();
        }
    }

    private enum ConnectionStart
    {
        /// <summary>An Engine.IO WebSocket upgrade, consumed.</summary>
        Ours,

        /// <summary>Anything else, nothing consumed: HTTP reads it again.</summary>
        Http,

        /// <summary>Nothing came within Kestrel's keep-alive timeout.</summary>
        Silent,

        /// <summary>The head did not end within Kestrel's request headers timeout.</summary>
        SlowHead,
    }

    /// <summary>
    /// Reads the start of the connection and says who serves it, with the upgrade request when it
    /// is ours. The clocks are Kestrel's: its keep-alive timeout for a connection that sends
    /// nothing, its request headers timeout once the first bytes came (slowloris clients must not
    /// outlive either).
    /// </summary>
    private static async Task<(ConnectionStart Start, UpgradeRequestHead? Head)> ReadHeadAsync(ConnectionContext connection, EngineServerDirectory directory, KestrelServerLimits limits)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(limits.KeepAliveTimeout);
        var started = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return (started ? ConnectionStart.SlowHead : ConnectionStart.Silent, null);
            }
            var buffer = result.Buffer;
            var verdict = Judge(buffer, directory, out var head);
            if (verdict == HeadVerdict.Ours)
            {
                input.AdvanceTo(buffer.GetPosition(head!.Length));
                return (ConnectionStart.Ours, head);
            }
            if (verdict == HeadVerdict.NotOurs || result.IsCompleted || result.IsCanceled)
            {
                // Nothing consumed and nothing examined: HTTP's first read returns these bytes at once.
                input.AdvanceTo(buffer.Start);
                return (ConnectionStart.Http, null);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (!started)
            {
                started = true;
                timeout.CancelAfter(limits.RequestHeadersTimeout);
            }
        }
    }

    /// <summary>A connection that sent nothing is closed; one that stopped mid-head gets Kestrel's 408.</summary>
    private static async Task EndSlowConnectionAsync(ConnectionContext connection, ConnectionStart start)
    {
        if (start == ConnectionStart.SlowHead)
        {
            try
            {
                await connection.Transport.Output.WriteAsync("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
            {
                // Gone already: nothing to tell.
            }
        }
        connection.Abort();
    }

    private static HeadVerdict Judge(in ReadOnlySequence<byte> buffer, EngineServerDirectory directory, out UpgradeRequestHead? head)
    {
        if (buffer.IsSingleSegment)
        {
            return UpgradeRequestHead.TryRead(buffer.FirstSpan, directory.Find, out head);
        }
        var length = (int)Math.Min(buffer.Length, UpgradeRequestHead.MaxLength + 1);
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.Slice(0, length).CopyTo(copy);
            return UpgradeRequestHead.TryRead(copy.AsSpan(0, length), directory.Find, out head);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private async Task<WebSocketRun?> AnswerAsync(ConnectionContext connection, UpgradeRequestHead head)
    {
        var webSocket = new ConnectionWebSocketFeature(connection.Transport, connection.Abort);
        var context = RequestFor(connection, head, webSocket, out var body);
        await ApplyForwardedHeadersAsync(context);
        WebSocketRun? run;
        var scope = await AuthenticateAsync(context);
        try
        {
            run = await head.Server.AnswerAsync(context);
        }
        finally
        {
            if (scope is { } requestScope)
            {
                await requestScope.DisposeAsync();
            }
        }
        if (!webSocket.Accepted)
        {
            await WriteRefusalAsync(connection.Transport.Output, context.Response, body);
        }
        return run;
    }

    /// <summary>
    /// What UseForwardedHeaders would have done for this request, when the application configured
    /// <see cref="ForwardedHeadersOptions"/> through dependency injection (<c>Configure&lt;ForwardedHeadersOptions&gt;</c>,
    /// or <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>): behind a proxy the handshake's address and
    /// scheme are the client's. The same rules apply (known proxies and networks), so a header from
    /// anyone else changes nothing.
    /// </summary>
    private Task ApplyForwardedHeadersAsync(HttpContext context)
    {
        _forwarding ??= services.GetService<IOptions<ForwardedHeadersOptions>>() is { Value.ForwardedHeaders: not ForwardedHeaders.None } options
            ? new ForwardedHeadersMiddleware(static _ => Task.CompletedTask, services.GetRequiredService<ILoggerFactory>(), options)
            : NoForwarding;
        return _forwarding is ForwardedHeadersMiddleware middleware ? middleware.Invoke(context) : Task.CompletedTask;
    }

    /// <summary>
    /// What UseAuthentication would have done for this request: with a default scheme, the
    /// handshake's user is its principal. Handlers may be scoped, so the request gets its own scope,
    /// returned to be disposed once the request is answered; null without a default scheme.
    /// </summary>
    private async Task<AsyncServiceScope?> AuthenticateAsync(HttpContext context)
    {
        _schemes ??= services.GetService<IAuthenticationSchemeProvider>();
        if (_schemes is null || await _schemes.GetDefaultAuthenticateSchemeAsync() is null)
        {
            return null;
        }
        var scope = services.CreateAsyncScope();
        try
        {
            context.RequestServices = scope.ServiceProvider;
            var result = await context.AuthenticateAsync();
            if (result.Principal is not null)
            {
                context.User = result.Principal;
            }
            return scope;
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The request as the engine (and an <c>AllowRequest</c> hook) sees it; it lives only for the
    /// handshake, the session keeps its own snapshot.
    /// </summary>
    private DefaultHttpContext RequestFor(ConnectionContext connection, UpgradeRequestHead head, ConnectionWebSocketFeature webSocket, out MemoryStream body)
    {
        var features = new FeatureCollection();
        var secure = connection.Features.Get<ITlsConnectionFeature>() is not null;
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = secure ? "https" : "http",
            Method = "GET",
            PathBase = "",
            Path = head.Path,
            QueryString = head.QueryString,
            RawTarget = head.Path + head.QueryString,
            Headers = head.Headers,
        });
        body = new MemoryStream();
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
        var remote = connection.RemoteEndPoint as IPEndPoint;
        var local = connection.LocalEndPoint as IPEndPoint;
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = connection.ConnectionId,
            RemoteIpAddress = remote?.Address,
            RemotePort = remote?.Port ?? 0,
            LocalIpAddress = local?.Address,
            LocalPort = local?.Port ?? 0,
        });
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = connection.ConnectionClosed });
        features.Set<IServiceProvidersFeature>(new ServiceProvidersFeature { RequestServices = services });
        features.Set<IHttpWebSocketFeature>(webSocket);
        features.Set(webSocket);
        return new DefaultHttpContext(features);
    }

    /// <summary>Writes the engine's refusal (status and JSON body) and ends the connection.</summary>
    private static async Task WriteRefusalAsync(PipeWriter output, HttpResponse response, MemoryStream body)
    {
        var text = new StringBuilder()
            .Append("HTTP/1.1 ").Append(response.StatusCode).Append(' ').Append(ReasonPhrases.GetReasonPhrase(response.StatusCode)).Append("\r\n");
        foreach (var (name, values) in response.Headers)
        {
            foreach (var value in values)
            {
                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }
        if (response.ContentLength is null)
        {
            text.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }
        text.Append("Connection: close\r\n\r\n");
        await output.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
        await output.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
    }
}
