using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// An event to broadcast: its name and arguments (for catch-all outgoing listeners and for a
/// cluster adapter to forward) and its engine messages, encoded once for every recipient.
/// </summary>
public sealed class BroadcastPacket
{
    /// <summary>Encodes the event for <paramref name="nsp"/>; <paramref name="ackId"/> is -1 without acknowledgement.</summary>
    public BroadcastPacket(string nsp, string eventName, object?[] args, long ackId = -1, bool compress = true)
    {
        Namespace = nsp;
        EventName = eventName;
        Args = args;
        AckId = ackId;
        Messages = SocketPacketEncoder.EncodeEvent(nsp, ackId, eventName, args, compress);
    }

    /// <summary>The namespace name.</summary>
    public string Namespace { get; }

    /// <summary>The event name.</summary>
    public string EventName { get; }

    /// <summary>The arguments after the name, as given to the emit call.</summary>
    public IReadOnlyList<object?> Args { get; }

    /// <summary>The acknowledgement id, or -1.</summary>
    public long AckId { get; }

    /// <summary>The engine messages every recipient is handed (the same array for all).</summary>
    public EngineMessage[] Messages { get; }
}
