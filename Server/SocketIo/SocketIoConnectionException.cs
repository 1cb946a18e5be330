using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo;

/// <summary>
/// Thrown by connection middleware to refuse a namespace connection; the client receives a
/// CONNECT_ERROR with this message and data.
/// </summary>
public sealed class SocketIoConnectionException(string message, object? data = null) : Exception(message)
{
    /// <summary>Extra details sent to the client as <c>data</c>.</summary>
    public new JToken? Data { get; } = data is null ? null : JToken.FromObject(data);
}
