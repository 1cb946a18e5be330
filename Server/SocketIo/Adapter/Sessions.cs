namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// What connection state recovery keeps of a socket that lost its connection (Node
/// <c>SessionToPersist</c>): its public id, private session id, rooms and data.
/// </summary>
/// <param name="Sid">The socket id, given back to the recovered socket.</param>
/// <param name="Pid">The private session id the client presents when it reconnects.</param>
/// <param name="Rooms">The rooms the socket was in, its own-id room included.</param>
/// <param name="Data">A copy of the socket's <see cref="Socket.Data"/>.</param>
public sealed record PersistedSession(string Sid, string Pid, IReadOnlyCollection<string> Rooms, IReadOnlyDictionary<string, object?> Data);

/// <summary>
/// A session found again by <see cref="SocketIoAdapter.RestoreSessionAsync"/> (Node <c>Session</c>): the
/// persisted state and the events the client missed since the offset it presented, in order.
/// </summary>
public sealed class RecoveredSession
{
    /// <summary>Creates a recovered session.</summary>
    public RecoveredSession(PersistedSession session, IReadOnlyList<BroadcastPacket> missedPackets)
    {
        Session = session;
        MissedPackets = missedPackets;
    }

    /// <summary>The persisted state.</summary>
    public PersistedSession Session { get; }

    /// <summary>The events sent to the session's rooms after the client's offset, oldest first, each with its own offset.</summary>
    public IReadOnlyList<BroadcastPacket> MissedPackets { get; }

    /// <summary>
    /// For the in-memory adapter: the sequence number of the last stored packet looked at, so the
    /// packets stored between the restore and the socket's registration are delivered too.
    /// </summary>
    internal long LastSequence { get; init; } = -1;
}
