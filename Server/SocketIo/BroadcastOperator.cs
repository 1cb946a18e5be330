using System.Collections.Immutable;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.SocketIo;

/// <summary>
/// An immutable broadcast target: which rooms, which exceptions, which flags. Each method returns
/// a new target, so one can be kept and reused; <see cref="Emit"/> encodes the packet once and
/// hands it to the adapter. Server-side operations (<see cref="FetchSocketsAsync"/>,
/// <see cref="SocketsJoin"/>…) act on the same set of sockets.
/// </summary>
public sealed class BroadcastOperator
{
    private static readonly ImmutableHashSet<string> NoRooms = ImmutableHashSet.Create<string>(StringComparer.Ordinal);
    private static readonly BroadcastOptions Everyone = new(NoRooms, NoRooms);

    private readonly Namespace _namespace;

    internal BroadcastOperator(Namespace ns)
        : this(ns, Everyone)
    {
    }

    internal BroadcastOperator(Namespace ns, BroadcastOptions options)
    {
        _namespace = ns;
        Options = options;
    }

    /// <summary>The rooms, exceptions and flags of this target, as the adapter receives them.</summary>
    public BroadcastOptions Options { get; }

    private ImmutableHashSet<string> RoomSet => (ImmutableHashSet<string>)Options.Rooms;

    private ImmutableHashSet<string> ExceptSet => (ImmutableHashSet<string>)Options.Except;

    /// <summary>Adds rooms to the target: a socket in any of them is reached, once.</summary>
    public BroadcastOperator To(params string[] rooms) => new(_namespace, Options with { Rooms = RoomSet.Union(rooms) });

    /// <summary>Same as <see cref="To"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Excludes the sockets in <paramref name="rooms"/> (a socket id names its own room).</summary>
    public BroadcastOperator Except(params string[] rooms) => new(_namespace, Options with { Except = ExceptSet.Union(rooms) });

    /// <summary>Drops the packet for recipients whose transport cannot take it right now (Node <c>volatile</c>).</summary>
    public BroadcastOperator Volatile => new(_namespace, Options with { Volatile = true });

    /// <summary>Only the sockets of this server, not of the rest of a cluster (Node <c>local</c>).</summary>
    public BroadcastOperator Local => new(_namespace, Options with { Local = true });

    /// <summary>Whether the packet may be compressed (Node <c>compress</c>; true by default).</summary>
    public BroadcastOperator Compress(bool compress) => new(_namespace, Options with { Compress = compress });

    /// <summary>How long <see cref="EmitWithAckAsync"/> waits for the answers (Node <c>timeout</c>).</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => new(_namespace, Options with { Timeout = timeout });

    /// <summary>
    /// Sends the event to every targeted socket. The packet is encoded once for all of them. Like
    /// the reference, it does not wait for a cluster adapter to hand the event to the other
    /// servers (a failure there is logged); <see cref="EmitAsync"/> does.
    /// </summary>
    /// <exception cref="ArgumentException">The name is one the clients reserve (<c>connect</c>, <c>disconnect</c>…).</exception>
    public bool Emit(string eventName, params object?[] args)
    {
        _namespace.Server.Observe(EmitAsync(eventName, args, CancellationToken.None), "broadcast", _namespace.Name);
        return true;
    }

    /// <summary>
    /// Sends the event to every targeted socket, completing once this server's sockets have it
    /// queued and a cluster adapter has handed it to the other servers.
    /// </summary>
    /// <exception cref="ArgumentException">The name is one the clients reserve (<c>connect</c>, <c>disconnect</c>…).</exception>
    public Task EmitAsync(string eventName, object?[] args, CancellationToken cancellationToken = default)
    {
        EventNames.CheckEmittable(eventName);
        return _namespace.Adapter.BroadcastAsync(new BroadcastPacket(_namespace.Name, eventName, args, -1, Options.Compress, _namespace.Server.JsonSerializer), Options, cancellationToken);
    }

    /// <summary>
    /// Sends the event to every targeted socket with an acknowledgement and collects their answers
    /// for at most <see cref="Timeout"/> (else <see cref="SocketIoOptions.AckTimeout"/>). Never
    /// throws on timeout: the result holds the answers that arrived and says whether all did (the
    /// reference rejects with the partial answers instead).
    /// </summary>
    public async Task<BroadcastAckResult> EmitWithAckAsync(string eventName, params object?[] args)
    {
        EventNames.CheckEmittable(eventName);
        var timeout = Options.Timeout ?? _namespace.Server.Options.AckTimeout;
        var collector = new BroadcastAckCollector();
        var packet = new BroadcastPacket(_namespace.Name, eventName, args, _namespace.Server.NextAckId(), Options.Compress, _namespace.Server.JsonSerializer);
        var started = _namespace.Server.Time.GetTimestamp();
        try
        {
            // The server count first, as the reference does: a report that comes before it is kept anyway.
            var servers = _namespace.Adapter.ServerCountAsync();
            await _namespace.Adapter.BroadcastWithAckAsync(packet, Options, collector.OnClientCount, collector.OnAnswer);
            collector.OnServerCount(await servers);
            var left = timeout - _namespace.Server.Time.GetElapsedTime(started);
            await collector.Done.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _namespace.Server.Time);
        }
        catch (TimeoutException)
        {
            // The answers so far are the result; late ones find no callback.
            _namespace.ForgetAck(packet.AckId);
        }
        return collector.Result();
    }

    /// <summary>The ids of the local sockets this target currently reaches.</summary>
    public IReadOnlyCollection<string> SocketIds() => _namespace.Adapter.Sockets(Options);

    /// <summary>The targeted sockets (Node <c>fetchSockets</c>): handles with id, handshake, rooms and data.</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default) =>
        _namespace.Adapter.FetchSocketsAsync(Options, cancellationToken);

    /// <summary>
    /// Makes the targeted sockets join <paramref name="rooms"/> (Node <c>socketsJoin</c>): at once
    /// on this server; like the reference, it does not wait for the other servers of a cluster
    /// (<see cref="SocketsJoinAsync"/> does).
    /// </summary>
    public void SocketsJoin(params string[] rooms) => Observe(SocketsJoinAsync(rooms), "sockets join");

    /// <summary>Makes the targeted sockets join <paramref name="rooms"/>, completing once the cluster was told.</summary>
    public Task SocketsJoinAsync(IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        _namespace.Adapter.AddSocketsAsync(Options, rooms, cancellationToken);

    /// <summary>Makes the targeted sockets leave <paramref name="rooms"/> (Node <c>socketsLeave</c>; see <see cref="SocketsJoin"/>).</summary>
    public void SocketsLeave(params string[] rooms) => Observe(SocketsLeaveAsync(rooms), "sockets leave");

    /// <summary>Makes the targeted sockets leave <paramref name="rooms"/>, completing once the cluster was told.</summary>
    public Task SocketsLeaveAsync(IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        _namespace.Adapter.DeleteSocketsAsync(Options, rooms, cancellationToken);

    /// <summary>Disconnects the targeted sockets; with <paramref name="close"/>, their connections too (Node <c>disconnectSockets</c>; see <see cref="SocketsJoin"/>).</summary>
    public void DisconnectSockets(bool close = false) => Observe(DisconnectSocketsAsync(close), "disconnect sockets");

    /// <summary>Disconnects the targeted sockets, completing once the cluster was told.</summary>
    public Task DisconnectSocketsAsync(bool close = false, CancellationToken cancellationToken = default) =>
        _namespace.Adapter.DisconnectSocketsAsync(Options, close, cancellationToken);

    private void Observe(Task task, string operation) => _namespace.Server.Observe(task, operation, _namespace.Name);

    /// <summary>Counts servers and answers as they come; complete when every server reported and every client answered.</summary>
    private sealed class BroadcastAckCollector
    {
        private readonly Lock _lock = new();
        private readonly List<JArray> _answers = [];
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expectedServers = -1;
        private int _reportedServers;
        private int _expectedClients;
        private bool _finished;

        public Task Done => _done.Task;

        public void OnServerCount(int servers)
        {
            lock (_lock)
            {
                _expectedServers = servers;
                Check();
            }
        }

        public void OnClientCount(int clients)
        {
            lock (_lock)
            {
                _expectedClients += clients;
                _reportedServers++;
                Check();
            }
        }

        public void OnAnswer(JArray answer)
        {
            lock (_lock)
            {
                if (!_finished)
                {
                    _answers.Add(answer);
                    Check();
                }
            }
        }

        private void Check()
        {
            if (_expectedServers == _reportedServers && _answers.Count >= _expectedClients)
            {
                _finished = true;
                _done.TrySetResult();
            }
        }

        public BroadcastAckResult Result()
        {
            lock (_lock)
            {
                var complete = _finished;
                _finished = true;
                return new BroadcastAckResult([.. _answers], complete, _expectedClients);
            }
        }
    }
}

/// <summary>The outcome of <see cref="BroadcastOperator.EmitWithAckAsync"/>.</summary>
/// <param name="Responses">Each answering client's acknowledgement arguments, in arrival order (Node gives the first argument of each).</param>
/// <param name="Complete">True when every targeted client answered within the timeout.</param>
/// <param name="Expected">How many clients the event was sent to.</param>
public sealed record BroadcastAckResult(IReadOnlyList<JArray> Responses, bool Complete, int Expected);
