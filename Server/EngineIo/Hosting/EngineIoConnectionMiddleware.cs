using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
    // As long as Kestrel waits for request headers by default.
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);

    private EngineServerDirectory? _directory;
    private IAuthenticationSchemeProvider? _schemes;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        _directory ??= (EngineServerDirectory?)services.GetService(typeof(EngineServerDirectory));
        var head = _directory is { IsEmpty: false } directory ? await ReadHeadAsync(connection, directory) : null;
        if (head is null)
        {
            await next(connection);
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

    /// <summary>The upgrade request at the start of the connection, consumed; null when HTTP should have it.</summary>
    private static async Task<UpgradeRequestHead?> ReadHeadAsync(ConnectionContext connection, EngineServerDirectory directory)
    {
        var input = connection.Transport.Input;
        CancellationTokenSource? timeout = null;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(timeout?.Token ?? default);
                }
                catch (OperationCanceledException)
                {
                    // A slow head: HTTP goes on waiting for it with its own limits.
                    return null;
                }
                var buffer = result.Buffer;
                var verdict = Judge(buffer, directory, out var head);
                if (verdict == HeadVerdict.Ours)
                {
                    input.AdvanceTo(buffer.GetPosition(head!.Length));
                    return head;
                }
                if (verdict == HeadVerdict.NotOurs || result.IsCompleted || result.IsCanceled)
                {
                    // Nothing consumed and nothing examined: HTTP's first read returns these bytes at once.
                    input.AdvanceTo(buffer.Start);
                    return null;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                timeout ??= new CancellationTokenSource(HeadTimeout);
            }
        }
        finally
        {
            timeout?.Dispose();
        }
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
