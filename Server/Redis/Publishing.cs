using System.Buffers;
using StackExchange.Redis;

namespace SocketIoChat.Redis;

/// <summary>Writing a message and publishing it, as the adapter and the emitter both do.</summary>
internal static class Publishing
{
    /// <summary>
    /// Publishes what <paramref name="write"/> writes on the literal channel <paramref name="channel"/>
    /// (never a pattern, whatever characters a room name holds). The task reports a lost connection.
    /// </summary>
    public static Task PublishAsync(this ISubscriber publisher, string channel, Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        write(buffer);
        return publisher.PublishAsync(RedisChannel.Literal(channel), buffer.WrittenMemory);
    }
}
