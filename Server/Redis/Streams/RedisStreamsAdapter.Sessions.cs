using System.Globalization;
using Newtonsoft.Json.Linq;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo.Adapter;
using StackExchange.Redis;

namespace SocketIoChat.Redis.Streams;

/// <summary>Connection state recovery across the cluster: sessions in Redis keys, missed packets from the stream.</summary>
public sealed partial class RedisStreamsAdapter
{
    /// <summary>How many ranges of <see cref="RedisStreamsAdapterOptions.ReadCount"/> entries a restore reads at most (the reference's bound).</summary>
    private const int MaxRestoreReads = 100;

    /// <summary>
    /// Keeps the session as the reference does: <c>SET &lt;prefix&gt;&lt;pid&gt;</c> to base64 of
    /// MessagePack <c>{sid, pid, rooms, data}</c>, expiring after the recovery window.
    /// </summary>
    public override async Task PersistSessionAsync(PersistedSession session, CancellationToken cancellationToken = default)
    {
        if (Namespace.Recovery is not { } recovery)
        {
            return;
        }
        var data = new JObject();
        foreach (var (key, value) in session.Data)
        {
            data[key] = ClusterMessages.ToToken(value, Namespace.Server.JsonSerializer);
        }
        var encoded = MsgPackTokens.Encode(new JObject
        {
            ["sid"] = session.Sid,
            ["pid"] = session.Pid,
            ["rooms"] = new JArray(session.Rooms),
            ["data"] = data,
        });
        await Database.StringSetAsync(Options.SessionKeyPrefix + session.Pid, Convert.ToBase64String(encoded), recovery.MaxDisconnectionDuration);
    }

    /// <summary>
    /// Takes the session out of Redis (so it is restored once) and reads the stream after
    /// <paramref name="offset"/> for the broadcasts of this namespace its rooms would have received,
    /// each with its entry id as offset. Null when the offset is not a stream id still in the
    /// stream, or the session is unknown or expired.
    /// </summary>
    public override async Task<RecoveredSession?> RestoreSessionAsync(string pid, string offset, CancellationToken cancellationToken = default)
    {
        if (!StreamId().IsMatch(offset))
        {
            return null;
        }
        var stored = await Database.StringGetDeleteAsync(Options.SessionKeyPrefix + pid);
        if (stored.IsNullOrEmpty || (await Database.StreamRangeAsync(Options.StreamName, offset, offset)).Length == 0)
        {
            return null;
        }
        if (MsgPackTokens.Decode(Convert.FromBase64String(stored!)) is not JObject session)
        {
            return null;
        }
        var rooms = ClassicMessages.StringList(session["rooms"]) ?? [];
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (session["data"] is JObject fields)
        {
            foreach (var (key, value) in fields)
            {
                data[key] = value;
            }
        }
        var missed = new List<BroadcastPacket>();
        var next = NextId(offset);
        for (var read = 0; read < MaxRestoreReads; read++)
        {
            var entries = await Database.StreamRangeAsync(Options.StreamName, next, "+", Options.ReadCount);
            foreach (var entry in entries)
            {
                var message = ClusterMessages.FromStreamFields(entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value.ToString(), StringComparer.Ordinal));
                if (message is { Type: ClusterMessageType.Broadcast } && message.Nsp == Namespace.Name && message.RequestId is null
                    && ClassicMessages.ParsePacket(message.Data["packet"]) is { EventName: { } eventName } packet
                    && IsFor(rooms, ClassicMessages.ParseOptions(message.Data["opts"])))
                {
                    var missedPacket = NewPacket(eventName, packet.Args());
                    missedPacket.SetOffset(entry.Id.ToString());
                    missed.Add(missedPacket);
                }
            }
            if (entries.Length < Options.ReadCount)
            {
                break;
            }
            next = NextId(entries[^1].Id.ToString());
        }
        return new RecoveredSession(new PersistedSession((string?)session["sid"] ?? "", pid, rooms, data), missed);
    }

    /// <summary>Whether a socket in <paramref name="rooms"/> was a recipient (Node <c>shouldIncludePacket</c>).</summary>
    private static bool IsFor(IReadOnlyCollection<string> rooms, RemoteBroadcastOptions options) =>
        (options.Rooms.Count == 0 || rooms.Any(options.Rooms.Contains)) && !rooms.Any(options.Except.Contains);

    /// <summary>The smallest id after <paramref name="id"/> (same millisecond, next sequence), as the reference reads on.</summary>
    private static string NextId(string id)
    {
        var dash = id.IndexOf('-');
        var sequence = ulong.Parse(id.AsSpan(dash + 1), CultureInfo.InvariantCulture);
        return id[..(dash + 1)] + (sequence + 1).ToString(CultureInfo.InvariantCulture);
    }
}
