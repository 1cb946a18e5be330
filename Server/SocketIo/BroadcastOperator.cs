using System.Collections.Immutable;
using SocketIoChat.SocketIo.Adapter;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.SocketIo;

/// <summary>
/// An immutable broadcast target: which rooms, which exceptions, which flags. Each method returns
/// a new target; <see cref="Emit"/> encodes the packet once and hands it to the adapter.
/// </summary>
public sealed class BroadcastOperator
{
    private readonly Namespace _namespace;
    private readonly ImmutableHashSet<string> _rooms;
    private readonly ImmutableHashSet<string> _except;
    private readonly bool _volatile;

    internal BroadcastOperator(Namespace ns)
        : this(ns, ImmutableHashSet<string>.Empty, ImmutableHashSet<string>.Empty, false)
    {
    }

    private BroadcastOperator(Namespace ns, ImmutableHashSet<string> rooms, ImmutableHashSet<string> except, bool isVolatile)
    {
        _namespace = ns;
        _rooms = rooms;
        _except = except;
        _volatile = isVolatile;
    }

    /// <summary>Adds rooms to the target (a socket in several of them still gets one copy).</summary>
    public BroadcastOperator To(params string[] rooms) => new(_namespace, _rooms.Union(rooms), _except, _volatile);

    /// <summary>Same as <see cref="To"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Excludes the sockets in <paramref name="rooms"/> (a socket id names its own room).</summary>
    public BroadcastOperator Except(params string[] rooms) => new(_namespace, _rooms, _except.Union(rooms), _volatile);

    /// <summary>Drops the packet for recipients whose transport cannot take it right now.</summary>
    public BroadcastOperator Volatile => new(_namespace, _rooms, _except, true);

    /// <summary>Sends the event to every targeted socket. The packet is encoded once for all of them.</summary>
    public bool Emit(string eventName, params object?[] args)
    {
        EventNames.CheckEmittable(eventName);
        var packet = SocketPacketEncoder.EncodeEvent(_namespace.Name, -1, eventName, args);
        _namespace.Adapter.Broadcast(packet, new BroadcastOptions(_rooms, _except, _volatile));
        return true;
    }

    /// <summary>The ids of the sockets this target currently reaches.</summary>
    public IReadOnlyCollection<string> SocketIds() => _namespace.Adapter.Sockets(new BroadcastOptions(_rooms, _except, _volatile));
}
