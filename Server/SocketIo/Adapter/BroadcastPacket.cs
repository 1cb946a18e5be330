using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// An event to broadcast: its name and arguments (for catch-all outgoing listeners and for a
/// cluster adapter to forward) and its engine messages, encoded once for every recipient.
/// </summary>
public sealed class BroadcastPacket
{
    private readonly object?[] _args;
    private readonly bool _compress;
    private readonly Newtonsoft.Json.JsonSerializer _serializer;
    private EngineMessage[]? _messages;

    /// <summary>
    /// Describes the event for <paramref name="nsp"/>; <paramref name="ackId"/> is -1 without
    /// acknowledgement. C# objects among <paramref name="args"/> are written with
    /// <paramref name="serializer"/> (the server's <see cref="SocketIoServer.JsonSerializer"/>;
    /// by default one with <see cref="SocketIoJson.CreateDefaultSettings"/>).
    /// </summary>
    public BroadcastPacket(string nsp, string eventName, object?[] args, long ackId = -1, bool compress = true, Newtonsoft.Json.JsonSerializer? serializer = null)
    {
        _serializer = serializer ?? SocketIoJson.DefaultSerializer;
        Namespace = nsp;
        EventName = eventName;
        _args = args;
        AckId = ackId;
        _compress = compress;
    }

    /// <summary>The namespace name.</summary>
    public string Namespace { get; }

    /// <summary>The event name.</summary>
    public string EventName { get; }

    /// <summary>The arguments after the name, as given to the emit call (without the <see cref="Offset"/>).</summary>
    public IReadOnlyList<object?> Args => _args;

    /// <summary>The acknowledgement id, or -1.</summary>
    public long AckId { get; }

    /// <summary>
    /// The connection state recovery offset the adapter gave this event, sent as its last argument
    /// (null when recovery is off, or for events with acknowledgement and volatile ones).
    /// </summary>
    public string? Offset { get; private set; }

    /// <summary>
    /// The engine messages every recipient is handed (the same array for all), encoded on first
    /// use, so an adapter can still give the event its offset before anything is encoded.
    /// </summary>
    public EngineMessage[] Messages =>
        _messages ?? Interlocked.CompareExchange(ref _messages, Encode(), null) ?? _messages!;

    /// <summary>
    /// Sets the connection state recovery offset; an adapter that keeps packets for recovery calls
    /// it before the first recipient is sent to (the packet is encoded on first use).
    /// </summary>
    public void SetOffset(string offset)
    {
        Offset = offset;
        Volatile.Write(ref _messages, null);
    }

    private EngineMessage[] Encode() =>
        SocketPacketEncoder.EncodeEvent(_serializer, Namespace, AckId, EventName, _args, _compress, Offset);
}
