using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo;

/// <summary>
/// Thrown by connection middleware to refuse a namespace connection; the client receives a
/// CONNECT_ERROR with this message and data.
/// </summary>
public sealed class SocketIoConnectionException(string message, object? data = null) : Exception(message)
{
    /// <summary>
    /// Extra details sent to the client as <c>data</c>, as written with the default JSON settings
    /// (<see cref="SocketIoJson.CreateDefaultSettings"/>); the server itself writes them with its
    /// own <see cref="SocketIoServer.JsonSerializer"/>.
    /// </summary>
    public new JToken? Data => ToToken(SocketIoJson.DefaultSerializer);

    /// <summary>The details as given, before any conversion.</summary>
    internal object? Value { get; } = data;

    internal JToken? ToToken(Newtonsoft.Json.JsonSerializer serializer) =>
        Value is null ? null : Value as JToken ?? JToken.FromObject(Value, serializer);
}
