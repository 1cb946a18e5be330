using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.SocketIo;

/// <summary>
/// A namespace (<c>/</c>, <c>/test</c>…): its sockets, connection handlers, middleware and adapter.
/// A parent namespace (<c>io.Of(regex)</c> or <c>io.Of(predicate)</c>) holds no sockets: its
/// middleware and connection handlers apply to every child namespace it creates, and what it
/// emits reaches every child.
/// </summary>
public sealed class Namespace
{
    private static readonly string[] ReservedServerSideEvents = ["connect", "connection", "new_namespace"];

    private readonly ConcurrentDictionary<string, Socket> _sockets = new(StringComparer.Ordinal);
    // Recoverable sockets whose close is still running, by private session id.
    private readonly ConcurrentDictionary<string, Task> _closing = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Func<Socket, Task>[] _connectionHandlers = [];
    private Func<Socket, Task>[] _middlewares = [];
    private Dictionary<string, Action<JArray, Action<JToken?>>[]>? _serverSideEvents;
    private Namespace[] _children = [];
    private bool _removed;

    internal Namespace(SocketIoServer server, string name, Namespace? parent = null, bool isParent = false)
    {
        Server = server;
        Name = name;
        Parent = parent;
        IsParent = isParent;
        // Decided before the adapter is made: the adapter keeps the recovery log when it is on.
        Recovery = !isParent && server.Options.ConnectionStateRecovery is { } recovery && (recovery.Namespaces?.Invoke(name) ?? true) ? recovery : null;
        Adapter = isParent ? new ParentAdapter(this) : server.AdapterFactory.Create(this);
        server.Observe(Adapter.InitAsync(), "adapter init", name);
    }

    /// <summary>Connection state recovery for this namespace, or null when it does not use it.</summary>
    public ConnectionStateRecoveryOptions? Recovery { get; }

    /// <summary>The namespace name, starting with <c>/</c> (a parent namespace is named <c>/_0</c>, <c>/_1</c>… as in the reference).</summary>
    public string Name { get; }

    /// <summary>The server.</summary>
    public SocketIoServer Server { get; }

    /// <summary>Keeps the rooms and delivers broadcasts, across the cluster with a cluster adapter.</summary>
    public SocketIoAdapter Adapter { get; }

    /// <summary>The parent namespace of a dynamically created namespace, else null.</summary>
    public Namespace? Parent { get; }

    /// <summary>True for a parent namespace made by <c>io.Of(regex)</c> or <c>io.Of(predicate)</c>.</summary>
    public bool IsParent { get; }

    /// <summary>The child namespaces of a parent namespace (empty otherwise).</summary>
    public IReadOnlyList<Namespace> Children => System.Threading.Volatile.Read(ref _children);

    /// <summary>The connected sockets by id.</summary>
    public IReadOnlyDictionary<string, Socket> Sockets => _sockets;

    /// <summary>Runs <paramref name="handler"/> for every socket that connects to this namespace (to every child, for a parent).</summary>
    public Namespace OnConnection(Func<Socket, Task> handler)
    {
        lock (_lock)
        {
            _connectionHandlers = [.. _connectionHandlers, handler];
        }
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every socket that connects to this namespace.</summary>
    public Namespace OnConnection(Action<Socket> handler) =>
        OnConnection(socket =>
        {
            handler(socket);
            return Task.CompletedTask;
        });

    /// <summary>
    /// Adds connection middleware, run in order before a socket is accepted. Throw
    /// <see cref="SocketIoConnectionException"/> (or any exception) to refuse the connection: the
    /// client gets a CONNECT_ERROR with the message (and data).
    /// </summary>
    public Namespace Use(Func<Socket, Task> middleware)
    {
        lock (_lock)
        {
            _middlewares = [.. _middlewares, middleware];
        }
        return this;
    }

    /// <summary>Targets the sockets in <paramref name="rooms"/>.</summary>
    public BroadcastOperator To(params string[] rooms) => new BroadcastOperator(this).To(rooms);

    /// <summary>Same as <see cref="To"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => To(rooms);

    /// <summary>Targets every socket but those in <paramref name="rooms"/>.</summary>
    public BroadcastOperator Except(params string[] rooms) => new BroadcastOperator(this).Except(rooms);

    /// <summary>Every socket, dropping the packet where the transport cannot take it now (Node <c>volatile</c>).</summary>
    public BroadcastOperator Volatile => new BroadcastOperator(this).Volatile;

    /// <summary>Every socket of this server only (Node <c>local</c>).</summary>
    public BroadcastOperator Local => new BroadcastOperator(this).Local;

    /// <summary>Every socket, with the compression flag set (Node <c>compress</c>).</summary>
    public BroadcastOperator Compress(bool compress) => new BroadcastOperator(this).Compress(compress);

    /// <summary>Every socket, with a timeout for <see cref="BroadcastOperator.EmitWithAckAsync"/> (Node <c>timeout</c>).</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => new BroadcastOperator(this).Timeout(timeout);

    /// <summary>Sends an event to every socket of the namespace.</summary>
    public bool Emit(string eventName, params object?[] args) => new BroadcastOperator(this).Emit(eventName, args);

    /// <summary>Like <see cref="Emit"/>, completing once a cluster adapter has handed the event to the other servers (see <see cref="BroadcastOperator.EmitAsync"/>).</summary>
    public Task EmitAsync(string eventName, object?[] args, CancellationToken cancellationToken = default) =>
        new BroadcastOperator(this).EmitAsync(eventName, args, cancellationToken);

    /// <summary>Sends an event with acknowledgement to every socket and collects the answers (see <see cref="BroadcastOperator.EmitWithAckAsync"/>).</summary>
    public Task<BroadcastAckResult> EmitWithAckAsync(string eventName, params object?[] args) => new BroadcastOperator(this).EmitWithAckAsync(eventName, args);

    /// <summary>Every socket of the namespace, as handles (Node <c>fetchSockets</c>).</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default) =>
        new BroadcastOperator(this).FetchSocketsAsync(cancellationToken);

    /// <summary>Makes every socket join <paramref name="rooms"/> (Node <c>socketsJoin</c>; see <see cref="BroadcastOperator.SocketsJoin"/>).</summary>
    public void SocketsJoin(params string[] rooms) => new BroadcastOperator(this).SocketsJoin(rooms);

    /// <summary>Makes every socket leave <paramref name="rooms"/> (Node <c>socketsLeave</c>; see <see cref="BroadcastOperator.SocketsLeave"/>).</summary>
    public void SocketsLeave(params string[] rooms) => new BroadcastOperator(this).SocketsLeave(rooms);

    /// <summary>Disconnects every socket; with <paramref name="close"/>, their connections too (Node <c>disconnectSockets</c>).</summary>
    public void DisconnectSockets(bool close = false) => new BroadcastOperator(this).DisconnectSockets(close);

    /// <summary>Makes every socket join <paramref name="rooms"/>, completing once the cluster was told.</summary>
    public Task SocketsJoinAsync(IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        new BroadcastOperator(this).SocketsJoinAsync(rooms, cancellationToken);

    /// <summary>Makes every socket leave <paramref name="rooms"/>, completing once the cluster was told.</summary>
    public Task SocketsLeaveAsync(IReadOnlyCollection<string> rooms, CancellationToken cancellationToken = default) =>
        new BroadcastOperator(this).SocketsLeaveAsync(rooms, cancellationToken);

    /// <summary>Disconnects every socket, completing once the cluster was told.</summary>
    public Task DisconnectSocketsAsync(bool close = false, CancellationToken cancellationToken = default) =>
        new BroadcastOperator(this).DisconnectSocketsAsync(close, cancellationToken);

    /// <summary>How many servers share this namespace (1 without a cluster adapter).</summary>
    public Task<int> ServerCountAsync(CancellationToken cancellationToken = default) => Adapter.ServerCountAsync(cancellationToken);

    /// <summary>
    /// Sends an event to the other servers of a cluster (Node <c>serverSideEmit</c>); with the
    /// in-memory adapter there are none, so nothing is sent. True, as in the reference; a failure
    /// to reach the cluster is logged (await <see cref="ServerSideEmitAsync"/> to see it).
    /// </summary>
    /// <exception cref="ArgumentException">The name is reserved (<c>connect</c>, <c>connection</c>, <c>new_namespace</c>).</exception>
    public bool ServerSideEmit(string eventName, params object?[] args)
    {
        CheckServerSideEvent(eventName);
        Server.Observe(Adapter.ServerSideEmitAsync(eventName, args), "server-side emit", Name);
        return true;
    }

    /// <summary>Like <see cref="ServerSideEmit"/>, completing once the event is handed to the cluster.</summary>
    public Task ServerSideEmitAsync(string eventName, object?[] args, CancellationToken cancellationToken = default)
    {
        CheckServerSideEvent(eventName);
        return Adapter.ServerSideEmitAsync(eventName, args, cancellationToken);
    }

    /// <summary>
    /// Sends an event to the other servers and collects their acknowledgements within
    /// <paramref name="timeout"/> (Node <c>serverSideEmitWithAck</c>); empty for a single server.
    /// </summary>
    /// <exception cref="TimeoutException">Not every other server answered in time.</exception>
    public Task<IReadOnlyList<JToken>> ServerSideEmitWithAckAsync(TimeSpan timeout, string eventName, params object?[] args)
    {
        CheckServerSideEvent(eventName);
        return Adapter.ServerSideEmitWithAckAsync(eventName, args, timeout);
    }

    /// <summary>Runs <paramref name="handler"/> when another server of the cluster sends <paramref name="eventName"/> with <see cref="ServerSideEmit"/>.</summary>
    public Namespace OnServerSideEmit(string eventName, Action<JArray> handler) =>
        OnServerSideEmit(eventName, (args, _) => handler(args));

    /// <summary>
    /// Runs <paramref name="handler"/> when another server sends <paramref name="eventName"/>; when
    /// that server waits for acknowledgements (<see cref="ServerSideEmitWithAckAsync"/>), the
    /// handler answers by calling the callback once (the reference sends its first argument).
    /// Without an acknowledgement wanted, the callback does nothing.
    /// </summary>
    public Namespace OnServerSideEmit(string eventName, Action<JArray, Action<JToken?>> handler)
    {
        lock (_lock)
        {
            _serverSideEvents ??= new Dictionary<string, Action<JArray, Action<JToken?>>[]>(StringComparer.Ordinal);
            _serverSideEvents[eventName] = _serverSideEvents.TryGetValue(eventName, out var existing) ? [.. existing, handler] : [handler];
        }
        return this;
    }

    /// <summary>
    /// For cluster adapters: delivers an event another server sent with <see cref="ServerSideEmit"/>;
    /// <paramref name="ack"/>, when given, sends the answer back (called at most once).
    /// </summary>
    public void ReceiveServerSideEmit(string eventName, JArray args, Action<JToken?>? ack = null)
    {
        Action<JArray, Action<JToken?>>[]? handlers = null;
        lock (_lock)
        {
            _serverSideEvents?.TryGetValue(eventName, out handlers);
        }
        var answered = 0;
        Action<JToken?> once = answer =>
        {
            if (ack is not null && Interlocked.Exchange(ref answered, 1) == 0)
            {
                ack(answer);
            }
        };
        foreach (var handler in handlers ?? [])
        {
            try
            {
                handler(args, once);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, Name, eventName, ex);
            }
        }
    }

    private static void CheckServerSideEvent(string eventName)
    {
        if (Array.IndexOf(ReservedServerSideEvents, eventName) >= 0)
        {
            throw new ArgumentException($"\"{eventName}\" is a reserved event name", nameof(eventName));
        }
    }

    internal async Task RunMiddlewaresAsync(Socket socket)
    {
        if (Parent is not null)
        {
            await Parent.RunMiddlewaresAsync(socket);
        }
        foreach (var middleware in System.Threading.Volatile.Read(ref _middlewares))
        {
            await middleware(socket);
        }
    }

    /// <summary>How a connection attempt to this namespace ended.</summary>
    internal enum ConnectOutcome
    {
        /// <summary>The socket is connected, or the attempt ended with the client told why (or gone).</summary>
        Done,

        /// <summary>This (empty, cleaned-up) child namespace is gone: look the name up again.</summary>
        Gone,
    }

    /// <summary>
    /// The whole connect sequence of a client's CONNECT (Node <c>namespace._add</c> and
    /// <c>_doConnect</c>): recovery, middleware, registration, the CONNECT answer, then the
    /// connection handlers. The order matters: the socket is in its rooms before the answer is
    /// queued, so nothing sent to it afterwards is missed; the answer is queued before the
    /// connection handlers run, so it precedes whatever they emit; a recovered socket gets its
    /// missed packets before the answer (the client buffers events that arrive before it).
    /// </summary>
    internal async Task<ConnectOutcome> ConnectAsync(Client client, JObject auth)
    {
        var recovered = await RestoreAsync(client, auth);
        var socket = new Socket(this, client, auth, recovered);
        if (recovered is null || !Recovery!.SkipMiddlewares)
        {
            using var activity = SocketIoTelemetry.StartConnect(socket);
            try
            {
                await RunMiddlewaresAsync(socket);
            }
            catch (Exception ex)
            {
                SocketIoTelemetry.Fail(activity, ex);
                client.Refuse(Name, ex.Message, (ex as SocketIoConnectionException)?.ToToken(Server.JsonSerializer));
                return ConnectOutcome.Done;
            }
        }
        if (client.Connection.Closed.IsCancellationRequested)
        {
            if (recovered is not null)
            {
                // Gone again before it was connected: keep the session for the next attempt.
                await Adapter.PersistSessionAsync(recovered.Session);
            }
            return ConnectOutcome.Done;
        }
        if (!client.Register(socket))
        {
            return ConnectOutcome.Done;
        }
        lock (_lock)
        {
            if (_removed)
            {
                client.Remove(socket);
                return ConnectOutcome.Gone;
            }
            _sockets[socket.Id] = socket;
        }
        if (recovered is null)
        {
            Adapter.AddAll(socket.Id, [socket.Id]);
        }
        else
        {
            Adapter.AddRecovered(socket, recovered);
        }
        Server.Metrics.SocketConnected(Name);
        if (recovered is not null)
        {
            socket.ReleaseHeld();
            SocketIoLog.SocketRecovered(Server.Logger, socket.Id, Name, recovered.MissedPackets.Count);
        }
        client.Send(client.Protocol.ConnectAccepted(Name, socket.Id, socket.Pid));
        SocketIoLog.SocketConnected(Server.Logger, socket.Id, Name, client.Connection.Id, client.Connection.ProtocolVersion, client.Connection.TransportName);
        RunConnectionHandlers(socket);
        return ConnectOutcome.Done;
    }

    /// <summary>
    /// The session a v5 client asks to recover with <c>pid</c> and <c>offset</c> in its CONNECT
    /// auth, when recovery is on and the adapter still has it; else null (a fresh socket).
    /// </summary>
    private async Task<RecoveredSession?> RestoreAsync(Client client, JObject auth)
    {
        if (Recovery is null
            || client.Protocol.ConnectsMainNamespaceOnOpen
            || auth["pid"] is not JValue { Type: JTokenType.String, Value: string pid }
            || auth["offset"] is not JValue { Type: JTokenType.String, Value: string offset })
        {
            return null;
        }
        try
        {
            // The socket being recovered may still be closing (its close runs on its own flow):
            // its session is persisted, and its rooms left, only when that is done.
            if (_closing.TryGetValue(pid, out var closing))
            {
                await closing.WaitAsync(client.Connection.Closed);
            }
            return await Adapter.RestoreSessionAsync(pid, offset, client.Connection.Closed);
        }
        catch (Exception ex)
        {
            // As in the reference: a failed restore is a fresh connection, not a refusal.
            SocketIoLog.RestoreFailed(Server.Logger, client.Connection.Id, Name, ex);
            return null;
        }
    }

    private void RunConnectionHandlers(Socket socket)
    {
        // A child runs its parent's connection handlers first, as the reference copies them first.
        Parent?.RunConnectionHandlers(socket);
        foreach (var handler in System.Threading.Volatile.Read(ref _connectionHandlers))
        {
            Task task;
            try
            {
                task = handler(socket);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, socket.Id, "connection", ex);
                continue;
            }
            if (!task.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(task, socket);
            }
        }
    }

    private async Task ObserveAsync(Task task, Socket socket)
    {
        try
        {
            await task;
        }
        catch (Exception ex)
        {
            SocketIoLog.HandlerFailed(Server.Logger, socket.Id, "connection", ex);
        }
    }

    /// <summary>Runs a recoverable socket's close so that a recovery of it waits for the end (see <see cref="RestoreAsync"/>).</summary>
    internal void TrackClose(string pid, Func<Task> close)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _closing[pid] = done.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                await close();
            }
            finally
            {
                _closing.TryRemove(new KeyValuePair<string, Task>(pid, done.Task));
                done.TrySetResult();
            }
        });
    }

    internal void Remove(Socket socket)
    {
        Adapter.DeleteAll(socket.Id);
        bool cleanUp;
        lock (_lock)
        {
            _sockets.TryRemove(new KeyValuePair<string, Socket>(socket.Id, socket));
            cleanUp = Parent is not null && Server.Options.CleanupEmptyChildNamespaces && _sockets.IsEmpty && !_removed;
            _removed |= cleanUp;
        }
        if (cleanUp)
        {
            // The parent lets go first: whoever sees the child gone from the server sees it gone from its parent too.
            Parent!.RemoveChild(this);
            Server.RemoveChild(this);
            Server.Observe(Adapter.DisposeAsync().AsTask(), "adapter dispose", Name);
        }
    }

    /// <summary>Forgets a broadcast's acknowledgement on every local socket (it timed out).</summary>
    internal void ForgetAck(long id)
    {
        foreach (var child in Children)
        {
            child.ForgetAck(id);
        }
        foreach (var socket in _sockets.Values)
        {
            socket.RemoveAck(id);
        }
    }

    internal Namespace CreateChild(string name)
    {
        var child = new Namespace(Server, name, this);
        lock (_lock)
        {
            _children = [.. _children, child];
        }
        return child;
    }

    internal void RemoveChild(Namespace child)
    {
        lock (_lock)
        {
            _children = [.. _children.Where(c => c != child)];
        }
    }
}
