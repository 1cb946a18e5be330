using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SocketIoChat.EngineIo.Transports;

/// <summary>
/// Accepts a WebSocket on top of a <see cref="BatchingStream"/>, doing the HTTP/1.1 upgrade here
/// (RFC 6455 §4.2.2) instead of in ASP.NET Core's WebSocket middleware, which gives no access to
/// the stream. Other requests (HTTP/2 extended CONNECT) fall back to the middleware.
/// </summary>
internal static class WebSocketAcceptor
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>
    /// Completes the upgrade, accepting <c>permessage-deflate</c> when <paramref name="deflate"/> is
    /// set and the client offers it.
    /// </summary>
    public static async Task<(WebSocket Socket, BatchingStream? Batching)> AcceptAsync(HttpContext context, PerMessageDeflateOptions? deflate)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || key.Length == 0)
        {
            var accept = deflate is null ? new WebSocketAcceptContext() : new WebSocketAcceptContext
            {
                DangerousEnableCompression = true,
                DisableServerContextTakeover = deflate.ServerNoContextTakeover,
                ServerMaxWindowBits = deflate.ServerMaxWindowBits,
            };
            return (await context.WebSockets.AcceptWebSocketAsync(accept), null);
        }
        var response = context.Response;
        response.Headers.Connection = "Upgrade";
        response.Headers.Upgrade = "websocket";
        response.Headers.SecWebSocketAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));
        WebSocketDeflateOptions? negotiated = null;
        if (deflate is not null
            && PerMessageDeflateNegotiation.TryNegotiate(context.Request.Headers.SecWebSocketExtensions, deflate, out var accepted, out var answer))
        {
            negotiated = accepted;
            response.Headers.SecWebSocketExtensions = answer;
        }
        var stream = await upgrade.UpgradeAsync();
        var batching = new BatchingStream(stream);
        var socket = WebSocket.CreateFromStream(batching, new WebSocketCreationOptions
        {
            IsServer = true,
            // Engine.IO has its own heartbeat.
            KeepAliveInterval = TimeSpan.Zero,
            DangerousDeflateOptions = negotiated,
        });
        return (socket, batching);
    }
}
