using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SocketIoChat.EngineIo.Sessions;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>
/// Completes a WebSocket handshake (RFC 6455 §4.2.2) and picks the transport for it:
/// <list type="bullet">
/// <item>a request the connection middleware took before HTTP (<see cref="ConnectionWebSocketFeature"/>):
/// the 101 answer and every frame go straight to the connection's pipes;</item>
/// <item>an HTTP/1.1 upgrade that came through the ASP.NET Core pipeline: our framing on the upgraded stream;</item>
/// <item>permessage-deflate on either, and HTTP/2 WebSockets: the runtime's <see cref="WebSocket"/>.</item>
/// </list>
/// </summary>
internal static class WebSocketAcceptor
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>
    /// Answers the handshake, accepting <c>permessage-deflate</c> when <paramref name="deflate"/> is
    /// set and the client offers it; returns what makes the session's transport.
    /// </summary>
    public static async Task<Func<EngineSession, WebSocketTransport>> AcceptAsync(HttpContext context, PerMessageDeflateOptions? deflate)
    {
        var request = context.Request;
        var key = request.Headers.SecWebSocketKey.ToString();
        WebSocketDeflateOptions? negotiated = null;
        string? extension = null;
        if (deflate is not null && PerMessageDeflateNegotiation.TryNegotiate(request.Headers.SecWebSocketExtensions, deflate, out var accepted, out var answer))
        {
            negotiated = accepted;
            extension = answer;
        }

        if (context.Features.Get<ConnectionWebSocketFeature>() is { } connection)
        {
            await connection.AcceptAsync(AcceptKey(key), extension);
            return negotiated is null
                ? session => new PipeWebSocketTransport(session, connection.Transport, connection.Abort)
                : ManagedOver(new DuplexPipeStream(connection.Transport), negotiated);
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || key.Length == 0)
        {
            var accept = deflate is null ? new WebSocketAcceptContext() : new WebSocketAcceptContext
            {
                DangerousEnableCompression = true,
                DisableServerContextTakeover = deflate.ServerNoContextTakeover,
                ServerMaxWindowBits = deflate.ServerMaxWindowBits,
            };
            var socket = await context.WebSockets.AcceptWebSocketAsync(accept);
            return session => new ManagedWebSocketTransport(session, socket, null);
        }
        var response = context.Response;
        response.Headers.Connection = "Upgrade";
        response.Headers.Upgrade = "websocket";
        response.Headers.SecWebSocketAccept = AcceptKey(key);
        if (extension is not null)
        {
            response.Headers.SecWebSocketExtensions = extension;
        }
        var stream = await upgrade.UpgradeAsync();
        if (negotiated is not null)
        {
            return ManagedOver(stream, negotiated);
        }
        var pipe = new DuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
        return session => new PipeWebSocketTransport(session, pipe, context.Abort);
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value for a client's key.</summary>
    public static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));

    private static Func<EngineSession, WebSocketTransport> ManagedOver(Stream stream, WebSocketDeflateOptions deflate)
    {
        var batching = new BatchingStream(stream);
        var socket = WebSocket.CreateFromStream(batching, new WebSocketCreationOptions
        {
            IsServer = true,
            // Engine.IO has its own heartbeat.
            KeepAliveInterval = TimeSpan.Zero,
            DangerousDeflateOptions = deflate,
        });
        return session => new ManagedWebSocketTransport(session, socket, batching);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
