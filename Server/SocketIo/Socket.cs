using System.Collections.Concurrent;
using System.Security.Claims;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo.Adapter;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.SocketIo;

/// <summary>A client's connection to one namespace: receives its events, emits to it, joins rooms.</summary>
public sealed partial class Socket
{
    // Created on first use: most sockets of a busy server never register a handler for most
    // events, never await an ack and never store data, and each dictionary costs memory per socket.
    // Every On(...) in registration order, as (event, Func<SocketEvent, Task> or Action<SocketEvent>);
    // replaced, never changed. A socket has a handful of handlers: a scan beats a dictionary, and
    // an idle socket keeps one small array instead of a dictionary, arrays and wrapper delegates.
    private (string Name, Delegate Handler)[] _handlers = [];
    private ConcurrentDictionary<long, Action<JArray?>>? _acks;
    private ConcurrentDictionary<string, object?>? _data;
    private SocketHandshake? _handshake;
    private LazyCancellation _disconnected;
    private JObject? _auth;
    private readonly Lock _lock = new();
    private Func<string, Task>[] _disconnecting = [];
    private Func<string, Task>[] _disconnect = [];
    private int _connected = 1;
    private int _closing;
    // While a recovered socket is being connected: the packets it gets, in order, until the missed
    // ones are queued; null otherwise (a broadcast then checks one field per recipient).
    private List<(BroadcastPacket Packet, bool Volatile)>? _held;
    private BroadcastOptions? _ownRoom;

    internal Socket(Namespace ns, Client client, JObject auth, RecoveredSession? recovered = null)
    {
        Namespace = ns;
        Client = client;
        // An empty auth is made again when asked for: most clients send none, and idle sockets keep it.
        _auth = auth.Count == 0 ? null : auth;
        if (recovered is not null)
        {
            var session = recovered.Session;
            Id = session.Sid;
            Pid = session.Pid;
            Recovered = true;
            if (session.Data.Count > 0)
            {
                _data = new ConcurrentDictionary<string, object?>(session.Data, StringComparer.Ordinal);
            }
            // Held until the CONNECT answer is queued, after them (see ReleaseHeld).
            _held = [.. recovered.MissedPackets.Select(p => (p, false))];
            return;
        }
        Id = client.Protocol.SocketId(ns.Name, client.Connection.Id) ?? RandomIds.New();
        // Only v5 clients (Engine.IO v4) know connection state recovery: they send the pid back.
        if (ns.Recovery is not null && !client.Protocol.ConnectsMainNamespaceOnOpen)
        {
            Pid = RandomIds.New();
        }
    }

    /// <summary>The socket id (also the name of the room only this socket is in).</summary>
    public string Id { get; }

    /// <summary>The namespace this socket belongs to.</summary>
    public Namespace Namespace { get; }

    /// <summary>The server.</summary>
    public SocketIoServer Server => Namespace.Server;

    /// <summary>
    /// The handshake (Node <c>socket.handshake</c>): headers, query, address, time, url, secure and
    /// cross-domain of the request that opened the connection, and the auth of this socket's CONNECT.
    /// </summary>
    public SocketHandshake Handshake =>
        _handshake ?? Interlocked.CompareExchange(ref _handshake, new SocketHandshake(Client.Connection.Handshake, Auth), null) ?? _handshake;

    /// <summary>The authenticated user of the handshake request (anonymous without authentication).</summary>
    public ClaimsPrincipal User => Client.Connection.Handshake.User;

    /// <summary>The auth payload the client sent with its CONNECT (empty when none); also <c>Handshake.Auth</c>.</summary>
    public JObject Auth => Volatile.Read(ref _auth) ?? Interlocked.CompareExchange(ref _auth, new JObject(), null) ?? _auth!;

    /// <summary>Free per-socket storage for the application (Node <c>socket.data</c>).</summary>
    public IDictionary<string, object?> Data =>
        LazyInitializer.EnsureInitialized(ref _data, static () => new ConcurrentDictionary<string, object?>(StringComparer.Ordinal));

    /// <summary>
    /// True when this socket is the recovery of one that lost its connection (Node
    /// <c>socket.recovered</c>): same <see cref="Id"/>, rooms and <see cref="Data"/>, and the events
    /// it missed were sent before the connection was confirmed. Always false unless
    /// <see cref="SocketIoOptions.ConnectionStateRecovery"/> is on.
    /// </summary>
    public bool Recovered { get; }

    /// <summary>The private session id a v5 client presents to recover this socket; null with recovery off.</summary>
    internal string? Pid { get; }

    /// <summary>True until the socket disconnects.</summary>
    public bool Connected => Volatile.Read(ref _connected) == 1;

    /// <summary>Cancelled when the socket disconnects: pass it to work that should not outlive the socket.</summary>
    public CancellationToken Disconnected => _disconnected.Token;

    /// <summary>The rooms this socket is in, its own-id room included.</summary>
    public IReadOnlySet<string> Rooms => Namespace.Adapter.SocketRooms(Id);

    /// <summary>The current transport of the underlying connection (<c>polling</c> or <c>websocket</c>).</summary>
    public string Transport => Client.Connection.TransportName;

    /// <summary>The Engine.IO protocol revision of the client (3 or 4).</summary>
    public int ProtocolVersion => Client.Connection.ProtocolVersion;

    internal Client Client { get; }

    /// <summary>Adds a handler for <paramref name="eventName"/>; handlers run in the order events arrive.</summary>
    public Socket On(string eventName, Func<SocketEvent, Task> handler) => AddHandler(eventName, handler);

    /// <summary>Adds a synchronous handler for <paramref name="eventName"/>.</summary>
    public Socket On(string eventName, Action<SocketEvent> handler) => AddHandler(eventName, handler);

    private Socket AddHandler(string eventName, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _handlers = [.. _handlers, (eventName, handler)];
        }
        return this;
    }

    /// <summary>
    /// Adds a handler whose result is the acknowledgement: when the client asked for one (and the
    /// handler did not call <see cref="SocketEvent.Ack"/> itself), the returned value is sent as the
    /// ack's single argument. Only asynchronous lambdas (or ones returning <c>Task&lt;object?&gt;</c>)
    /// pick this overload, so existing handlers keep their meaning.
    /// </summary>
    public Socket On(string eventName, Func<SocketEvent, Task<object?>> handler) =>
        On(eventName, async e =>
        {
            var result = await handler(e);
            e.Ack(result);
        });

    /// <summary>
    /// Runs when the socket is about to leave, with the reason string: it is still in its rooms
    /// and may still emit. Runs on the socket's own close flow, never on a shared timer's thread
    /// or inside another socket's broadcast; the socket leaves its rooms once every
    /// <c>disconnecting</c> handler has finished.
    /// </summary>
    public Socket OnDisconnecting(Func<string, Task> handler)
    {
        lock (_lock)
        {
            _disconnecting = [.. _disconnecting, handler];
        }
        return this;
    }

    /// <summary>Adds a synchronous <c>disconnecting</c> handler (see <see cref="OnDisconnecting(Func{string, Task})"/>).</summary>
    public Socket OnDisconnecting(Action<string> handler) => OnDisconnecting(Sync(handler));

    /// <summary>Runs once the socket has left (its rooms and the namespace), with the reason string.</summary>
    public Socket OnDisconnect(Func<string, Task> handler)
    {
        lock (_lock)
        {
            _disconnect = [.. _disconnect, handler];
        }
        return this;
    }

    /// <summary>Adds a synchronous <c>disconnect</c> handler (see <see cref="OnDisconnect(Func{string, Task})"/>).</summary>
    public Socket OnDisconnect(Action<string> handler) => OnDisconnect(Sync(handler));

    private static Func<string, Task> Sync(Action<string> handler) => reason =>
    {
        handler(reason);
        return Task.CompletedTask;
    };

    /// <summary>
    /// Sends an event to this client. False when it could not be queued. With connection state
    /// recovery on, the event goes through the adapter (Node does the same) and is kept: it is
    /// also delivered if sent while the client is away and the client then recovers this socket.
    /// </summary>
    /// <exception cref="ArgumentException">The name is one the clients reserve (<c>connect</c>, <c>disconnect</c>…).</exception>
    public bool Emit(string eventName, params object?[] args)
    {
        EventNames.CheckEmittable(eventName);
        if (Pid is not null)
        {
            // As in the reference: through the adapter, to the own-id room, so that the event is
            // stored with an offset, and reaches the client even when sent while it is away and
            // it recovers this socket.
            _ownRoom ??= new BroadcastOptions(new HashSet<string>(StringComparer.Ordinal) { Id }, new HashSet<string>(StringComparer.Ordinal));
            Server.Metrics.EventSent(Namespace.Name);
            Server.Observe(Namespace.Adapter.BroadcastAsync(new BroadcastPacket(Namespace.Name, eventName, args, serializer: Server.JsonSerializer), _ownRoom), "emit", Namespace.Name);
            return true;
        }
        if (!Connected)
        {
            return false;
        }
        Server.Metrics.EventSent(Namespace.Name);
        NotifyOutgoing(eventName, args);
        return Client.Send(SocketPacketEncoder.EncodeEvent(Server.JsonSerializer, Namespace.Name, -1, eventName, args));
    }

    /// <summary>Sends an event and waits for the client's acknowledgement, at most <see cref="SocketIoOptions.AckTimeout"/>.</summary>
    public Task<JArray> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckAsync(Server.Options.AckTimeout, eventName, args);

    /// <summary>Sends an event and waits for the client's acknowledgement, at most <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">No acknowledgement arrived in time.</exception>
    /// <exception cref="InvalidOperationException">The socket is or became disconnected before the answer.</exception>
    public async Task<JArray> EmitWithAckAsync(TimeSpan timeout, string eventName, params object?[] args)
    {
        EventNames.CheckEmittable(eventName);
        var id = Server.NextAckId();
        var started = Server.Time.GetTimestamp();
        var pending = new TaskCompletionSource<JArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        RegisterAck(id, answer =>
        {
            if (answer is null)
            {
                pending.TrySetException(new InvalidOperationException("The socket disconnected before acknowledging."));
            }
            else
            {
                pending.TrySetResult(answer);
            }
        });
        try
        {
            if (!Connected)
            {
                throw new InvalidOperationException("The socket is disconnected.");
            }
            NotifyOutgoing(eventName, args);
            if (!Client.Send(SocketPacketEncoder.EncodeEvent(Server.JsonSerializer, Namespace.Name, id, eventName, args)))
            {
                throw new InvalidOperationException("The socket is disconnected.");
            }
            Server.Metrics.EventSent(Namespace.Name);
            var answer = await pending.Task.WaitAsync(timeout, Server.Time);
            Server.Metrics.AckReceived(Namespace.Name, Server.Time.GetElapsedTime(started));
            return answer;
        }
        catch (TimeoutException)
        {
            Server.Metrics.AckTimedOut(Namespace.Name);
            throw new TimeoutException($"No acknowledgement of \"{eventName}\" within {timeout.TotalMilliseconds} ms.");
        }
        finally
        {
            RemoveAck(id);
        }
    }

    /// <summary>Adds this socket to <paramref name="rooms"/>.</summary>
    public void Join(params string[] rooms) => Namespace.Adapter.AddAll(Id, rooms);

    /// <summary>Removes this socket from <paramref name="room"/>.</summary>
    public void Leave(string room) => Namespace.Adapter.Delete(Id, room);

    /// <summary>Removes this socket from each of <paramref name="rooms"/>.</summary>
    public void Leave(params string[] rooms)
    {
        foreach (var room in rooms)
        {
            Namespace.Adapter.Delete(Id, room);
        }
    }

    /// <summary>Targets the sockets in <paramref name="rooms"/>, this one excluded.</summary>
    public BroadcastOperator To(params string[] rooms) => Broadcast.To(rooms);

    /// <summary>Same as <see cref="To"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Targets every socket of the namespace but this one and those in <paramref name="rooms"/>.</summary>
    public BroadcastOperator Except(params string[] rooms) => Broadcast.Except(rooms);

    /// <summary>Targets every socket of the namespace but this one.</summary>
    public BroadcastOperator Broadcast => new BroadcastOperator(Namespace).Except(Id);

    /// <summary>
    /// Disconnects from the namespace (the client gets a DISCONNECT packet; reason
    /// <c>server namespace disconnect</c>). With <paramref name="close"/>, the underlying connection
    /// is closed too, after every socket of that connection was disconnected the same way.
    /// </summary>
    public void Disconnect(bool close = false)
    {
        if (close)
        {
            Client.Disconnect(DisconnectReason.ForcedServerClose);
            return;
        }
        if (Volatile.Read(ref _closing) == 1)
        {
            return;
        }
        Client.Send(SocketPacketEncoder.Encode(SocketPacketType.Disconnect, Namespace.Name, -1, null));
        OnClose(DisconnectReason.ServerNamespaceDisconnect);
    }

    /// <summary>Queues a broadcast packet on this client, or holds it while a recovery is being connected.</summary>
    internal void Deliver(BroadcastPacket packet, bool isVolatile)
    {
        if (Volatile.Read(ref _held) is not null)
        {
            lock (_lock)
            {
                if (_held is { } held)
                {
                    held.Add((packet, isVolatile));
                    return;
                }
            }
        }
        Client.Send(packet.Messages, isVolatile);
    }

    /// <summary>Holds a packet stored while this recovered socket was not yet registered (under the adapter's lock).</summary>
    internal void Hold(BroadcastPacket packet)
    {
        lock (_lock)
        {
            _held?.Add((packet, false));
        }
    }

    /// <summary>
    /// Queues what was held (the missed packets first), then lets packets through directly. The
    /// sends happen outside the lock (a send may close a slow client); whatever arrives meanwhile
    /// is held and queued in the next round, so the order is kept. The rounds end: a round only
    /// enqueues, which is less work than producing a broadcast, and a client that cannot take what
    /// comes is closed as too slow by its bounded queue, after which nothing targets it any more.
    /// </summary>
    internal void ReleaseHeld()
    {
        while (true)
        {
            List<(BroadcastPacket Packet, bool Volatile)> batch;
            lock (_lock)
            {
                batch = _held!;
                if (batch.Count == 0)
                {
                    Volatile.Write(ref _held, null);
                    return;
                }
                _held = [];
            }
            foreach (var (packet, isVolatile) in batch)
            {
                Client.Send(packet.Messages, isVolatile);
            }
        }
    }

    internal void RegisterAck(long id, Action<JArray?> callback) =>
        LazyInitializer.EnsureInitialized(ref _acks, static () => new ConcurrentDictionary<long, Action<JArray?>>())[id] = callback;

    internal void RemoveAck(long id) => Volatile.Read(ref _acks)?.TryRemove(id, out _);

    internal IReadOnlyDictionary<string, object?> DataSnapshot() =>
        Volatile.Read(ref _data) is { } data ? new Dictionary<string, object?>(data, StringComparer.Ordinal) : new Dictionary<string, object?>();

    internal void OnEvent(SocketPacket packet)
    {
        Server.Metrics.EventReceived(Namespace.Name);
        var data = (JArray)packet.Data!;
        var name = data[0].ToString();
        data.RemoveAt(0);
        var e = new SocketEvent(this, name, data, packet.Id);
        // As in the reference: catch-all listeners first, then the packet middleware, then the handlers.
        var extras = Volatile.Read(ref _extras);
        if (extras is not null)
        {
            foreach (var (_, listener) in extras.AnyIncoming)
            {
                Invoke(listener, e);
            }
            if (extras.Middlewares.Length > 0)
            {
                _ = RunMiddlewaresAsync(e, extras.Middlewares);
                return;
            }
        }
        Dispatch(e);
    }

    private void Dispatch(SocketEvent e)
    {
        // The array is replaced, never changed, so the one read here stays valid without the lock.
        foreach (var (name, handler) in Volatile.Read(ref _handlers))
        {
            if (string.Equals(name, e.Name, StringComparison.Ordinal))
            {
                Invoke(handler, e);
            }
        }
    }

    private void Invoke(Delegate handler, SocketEvent e)
    {
        // Not awaited: the connection's read loop must go on (an awaited ack from this very client
        // would otherwise never be read). Handlers start in arrival order, as in Node.
        var previous = System.Diagnostics.Activity.Current;
        var activity = SocketIoTelemetry.StartEvent(this, e.Name);
        try
        {
            Task task;
            try
            {
                if (handler is Action<SocketEvent> action)
                {
                    action(e);
                    activity?.Dispose();
                    return;
                }
                task = ((Func<SocketEvent, Task>)handler)(e);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, Id, e.Name, ex);
                SocketIoTelemetry.Fail(activity, ex);
                activity?.Dispose();
                return;
            }
            if (!task.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(task, e.Name, activity);
            }
            else
            {
                activity?.Dispose();
            }
        }
        finally
        {
            // The activity may outlive this call (an async handler): the read loop goes on without it.
            if (activity is not null)
            {
                System.Diagnostics.Activity.Current = previous;
            }
        }
    }

    private async Task ObserveAsync(Task task, string eventName, System.Diagnostics.Activity? activity)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !Disconnected.IsCancellationRequested)
        {
            SocketIoLog.HandlerFailed(Server.Logger, Id, eventName, ex);
            SocketIoTelemetry.Fail(activity, ex);
        }
        catch (OperationCanceledException)
        {
            // The socket went away while the handler worked: nothing to report.
        }
        finally
        {
            activity?.Dispose();
        }
    }

    internal void OnAck(SocketPacket packet)
    {
        if (Volatile.Read(ref _acks) is { } acks && acks.TryRemove(packet.Id, out var callback))
        {
            try
            {
                callback((JArray)packet.Data!);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, Id, "ack", ex);
            }
        }
    }

    /// <summary>
    /// The socket leaves for <paramref name="reason"/>. Routing stops at once (a new CONNECT of the
    /// same client makes a new socket); the rest — <c>disconnecting</c> handlers, leaving the rooms,
    /// the session kept for recovery, <c>disconnect</c> handlers — runs on a thread-pool thread of
    /// its own, since this may be called from the engine's heartbeat timer or from inside a
    /// broadcast loop (<c>DisconnectSockets</c>), where user code must not run.
    /// </summary>
    internal void OnClose(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }
        Client.Remove(this);
        if (Pid is not null)
        {
            Namespace.TrackClose(Pid, () => CloseAsync(reason));
        }
        else
        {
            _ = Task.Run(() => CloseAsync(reason));
        }
    }

    private async Task CloseAsync(string reason)
    {
        // As in the reference, the socket is still connected (and in its rooms) while "disconnecting" runs.
        await RunLifecycleAsync(Volatile.Read(ref _disconnecting), reason);
        if (Pid is not null && DisconnectReason.IsRecoverable(reason))
        {
            try
            {
                await Namespace.Adapter.PersistSessionAsync(new PersistedSession(Id, Pid, [.. Rooms], DataSnapshot()));
            }
            catch (Exception ex)
            {
                SocketIoLog.AdapterFailed(Server.Logger, "persist session", Namespace.Name, ex);
            }
        }
        Server.Metrics.SocketDisconnected(Namespace.Name);
        Namespace.Remove(this);
        Volatile.Write(ref _connected, 0);
        if (Volatile.Read(ref _acks) is { } acks)
        {
            foreach (var id in acks.Keys)
            {
                if (acks.TryRemove(id, out var callback))
                {
                    callback(null);
                }
            }
        }
        SocketIoLog.SocketDisconnected(Server.Logger, Id, Namespace.Name, reason);
        _disconnected.Cancel();
        await RunLifecycleAsync(Volatile.Read(ref _disconnect), reason);
    }

    private async Task RunLifecycleAsync(Func<string, Task>[] handlers, string reason)
    {
        foreach (var handler in handlers)
        {
            try
            {
                await handler(reason);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, Id, "disconnect", ex);
            }
        }
    }
}
