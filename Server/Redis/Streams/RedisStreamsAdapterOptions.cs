namespace SocketIoChat.Redis.Streams;

/// <summary>
/// Settings of the Redis Streams adapter (Node <c>@socket.io/redis-streams-adapter</c>'s options),
/// bound from the <c>SocketIo:RedisStreams</c> configuration section. Every server of the cluster
/// must use the same stream name, channel prefix and session key prefix.
/// </summary>
public sealed class RedisStreamsAdapterOptions
{
    /// <summary>The StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>The stream every persistent message goes through (Node <c>streamName</c>). Default <c>socket.io</c>.</summary>
    public string StreamName { get; set; } = "socket.io";

    /// <summary>The prefix of the pub/sub channels of requests and responses (Node <c>channelPrefix</c>). Default <c>socket.io</c>.</summary>
    public string ChannelPrefix { get; set; } = "socket.io";

    /// <summary>The prefix of the keys that keep disconnected sessions (Node <c>sessionKeyPrefix</c>). Default <c>sio:session:</c>.</summary>
    public string SessionKeyPrefix { get; set; } = "sio:session:";

    /// <summary>About how many entries the stream keeps (Node <c>maxLen</c>, trimmed approximately). Default 10,000.</summary>
    public int MaxLength { get; set; } = 10_000;

    /// <summary>How many entries one read takes (Node <c>readCount</c>). Default 100.</summary>
    public int ReadCount { get; set; } = 100;

    /// <summary>How long one blocking read waits for new entries before it is issued again. Default 2 s.</summary>
    public TimeSpan BlockTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a fetch waits for the other servers unless the operator has a timeout (the reference's 5 s).</summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
