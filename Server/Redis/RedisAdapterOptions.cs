namespace SocketIoChat.Redis;

/// <summary>
/// Settings of the Redis pub/sub adapter (Node <c>@socket.io/redis-adapter</c>'s options), bound
/// from the <c>SocketIo:Redis</c> configuration section. Every server of a cluster, Node or .NET,
/// and every emitter must use the same <see cref="Key"/>.
/// </summary>
public sealed class RedisAdapterOptions
{
    /// <summary>The StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>The prefix of every channel (Node <c>key</c>). Default <c>socket.io</c>.</summary>
    public string Key { get; set; } = "socket.io";

    /// <summary>
    /// How long a request to the other servers (fetch sockets, all rooms, server-side emit with
    /// acknowledgements) waits for their answers (Node <c>requestsTimeout</c>). Default 5 s.
    /// </summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Answer requests on the requester's own response channel instead of the common one (Node
    /// <c>publishOnSpecificResponseChannel</c>). Default false; mixed settings work together.
    /// </summary>
    public bool PublishOnSpecificResponseChannel { get; set; }
}
