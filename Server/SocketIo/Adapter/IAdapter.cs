using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>Who a broadcast reaches: sockets in any of <see cref="Rooms"/> (all when empty), minus those in <see cref="Except"/>.</summary>
public sealed record BroadcastOptions(IReadOnlySet<string> Rooms, IReadOnlySet<string> Except, bool Volatile);

/// <summary>
/// Keeps a namespace's rooms and delivers its broadcasts: the seam where a cluster adapter
/// (Redis and the like) plugs in later.
/// </summary>
public interface IAdapter
{
    /// <summary>Adds a socket to rooms.</summary>
    void AddAll(string socketId, IEnumerable<string> rooms);

    /// <summary>Removes a socket from one room.</summary>
    void Delete(string socketId, string room);

    /// <summary>Removes a socket from all its rooms.</summary>
    void DeleteAll(string socketId);

    /// <summary>The rooms of a socket.</summary>
    IReadOnlySet<string> SocketRooms(string socketId);

    /// <summary>The ids of the sockets a broadcast with these options would reach.</summary>
    IReadOnlyCollection<string> Sockets(BroadcastOptions options);

    /// <summary>Queues the already encoded packet on every targeted socket.</summary>
    void Broadcast(EngineMessage[] packet, BroadcastOptions options);
}
