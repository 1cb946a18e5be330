using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>
/// Set on the request the connection middleware built from a WebSocket upgrade it took before HTTP:
/// the connection's own pipes, and how to answer and end it.
/// </summary>
internal sealed class ConnectionWebSocketFeature(IDuplexPipe transport, Action abort) : IHttpWebSocketFeature
{
    /// <summary>The connection's pipes, raw bytes in both directions.</summary>
    public IDuplexPipe Transport => transport;

    /// <summary>Ends the connection at once.</summary>
    public Action Abort => abort;

    /// <summary>True once the 101 answer has been written: the request became a WebSocket.</summary>
    public bool Accepted { get; private set; }

    bool IHttpWebSocketFeature.IsWebSocketRequest => true;

    Task<System.Net.WebSockets.WebSocket> IHttpWebSocketFeature.AcceptAsync(Microsoft.AspNetCore.Http.WebSocketAcceptContext context) =>
        throw new NotSupportedException("Engine.IO accepts this WebSocket itself.");

    /// <summary>Writes the 101 answer (RFC 6455 §4.2.2).</summary>
    public async Task AcceptAsync(string acceptKey, string? extension)
    {
        Accepted = true;
        var head = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ")
            .Append(acceptKey).Append("\r\n");
        if (extension is not null)
        {
            head.Append("Sec-WebSocket-Extensions: ").Append(extension).Append("\r\n");
        }
        head.Append("\r\n");
        await transport.Output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
    }
}
