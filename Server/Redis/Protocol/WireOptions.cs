using System.Collections.Immutable;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.Redis.Protocol;

/// <summary>Broadcast options between ours (<see cref="BroadcastOptions"/>) and the wire's <c>{rooms, except, flags}</c>, for both adapters.</summary>
internal static class WireOptions
{
    /// <summary>Rooms, exceptions and the flags Node publishes (volatile, compress when false, timeout in ms); <c>local</c> never leaves the server.</summary>
    public static RemoteBroadcastOptions ToWire(BroadcastOptions options)
    {
        var flags = RemoteBroadcastFlags.None;
        if (options.Volatile || !options.Compress || options.Timeout is not null)
        {
            flags = new RemoteBroadcastFlags
            {
                Volatile = options.Volatile ? true : null,
                Compress = options.Compress ? null : false,
                Timeout = options.Timeout is { } t ? (long)Math.Ceiling(t.TotalMilliseconds) : null,
            };
        }
        return new RemoteBroadcastOptions([.. options.Rooms], [.. options.Except], flags);
    }

    /// <summary>The options a received broadcast or request applies to this server's sockets.</summary>
    public static BroadcastOptions FromWire(RemoteBroadcastOptions options) =>
        new(ToSet(options.Rooms), ToSet(options.Except))
        {
            Volatile = options.Flags.Volatile == true,
            Compress = options.Flags.Compress != false,
            Timeout = options.Flags.Timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
        };

    /// <summary>A set of rooms as the adapter matches them (ordinal).</summary>
    public static ImmutableHashSet<string> ToSet(IEnumerable<string> rooms) => ImmutableHashSet.CreateRange(StringComparer.Ordinal, rooms);
}
