using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// Who a broadcast reaches and how: sockets in any of <see cref="Rooms"/> (all when empty), minus
/// those in <see cref="Except"/>, with the reference's flags. One instance is shared by every
/// emit of an immutable <see cref="BroadcastOperator"/>, so a broadcast allocates no options.
/// </summary>
public sealed record BroadcastOptions(IReadOnlySet<string> Rooms, IReadOnlySet<string> Except)
{
    /// <summary>Drop the packet for recipients whose transport cannot take it right now (Node <c>volatile</c>).</summary>
    public bool Volatile { get; init; }

    /// <summary>
    /// Whether the packet may be compressed (Node <c>compress</c>, default true); carried to the
    /// engine as <see cref="EngineIo.EngineMessage.Compress"/>.
    /// </summary>
    public bool Compress { get; init; } = true;

    /// <summary>
    /// Only the sockets of this server (Node <c>local</c>). The in-memory adapter has no other
    /// server, so it changes nothing there; a cluster adapter must not forward such a broadcast.
    /// </summary>
    public bool Local { get; init; }

    /// <summary>How long a broadcast with acknowledgements waits for the answers (Node <c>timeout</c>).</summary>
    public TimeSpan? Timeout { get; init; }
}
