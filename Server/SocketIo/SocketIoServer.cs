using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.SocketIo;

/// <summary>
/// The Socket.IO server: its namespaces, and the handler of every engine connection. Register it
/// with <c>AddSocketIo</c> and serve it with <c>MapSocketIo</c>. Emitting, targeting and the
/// server-side operations on the server act on the main namespace <c>/</c>, as in the reference.
/// </summary>
public sealed class SocketIoServer : IEngineConnectionHandler, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Namespace> _namespaces = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ParentEntry[] _parents = [];
    private long _nextAckId;

    /// <summary>A parent namespace and what decides which names it creates.</summary>
    private sealed record ParentEntry(Func<string, JObject, Task<bool>> Matches, Regex? Pattern, Namespace Parent);

    /// <summary>
    /// Creates the server (normally done by dependency injection, which also supplies the meter
    /// factory and the adapter factory registered with <c>UseAdapter</c>).
    /// </summary>
    public SocketIoServer(IOptions<SocketIoOptions> options, ILoggerFactory loggerFactory, TimeProvider? time = null, IMeterFactory? meterFactory = null, ISocketIoAdapterFactory? adapterFactory = null)
    {
        Metrics = new SocketIoMetrics(meterFactory);
        Options = options.Value;
        Logger = loggerFactory.CreateLogger("SocketIoChat.SocketIo");
        Time = time ?? TimeProvider.System;
        AdapterFactory = adapterFactory ?? DefaultAdapterFactory.Instance;
        JsonSerializer = Newtonsoft.Json.JsonSerializer.Create(Options.JsonSerializerSettings);
        Sockets = Of("/");
    }

    /// <summary>Makes each namespace's adapter.</summary>
    internal ISocketIoAdapterFactory AdapterFactory { get; }

    /// <summary>The options in force.</summary>
    public SocketIoOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>
    /// The serializer made from <see cref="SocketIoOptions.JsonSerializerSettings"/>: what every emit,
    /// acknowledgement and typed handler parameter of this server goes through (adapters use it too).
    /// </summary>
    public Newtonsoft.Json.JsonSerializer JsonSerializer { get; }

    /// <summary>The clock of every timeout and timer of the server (and of its adapters).</summary>
    public TimeProvider Time { get; }

    internal SocketIoMetrics Metrics { get; }

    /// <summary>The main namespace, <c>/</c> (Node <c>io.sockets</c>).</summary>
    public Namespace Sockets { get; }

    /// <summary>The namespaces that exist now (dynamic children included, parents not).</summary>
    public IReadOnlyCollection<Namespace> Namespaces => [.. _namespaces.Values];

    /// <summary>
    /// The namespace <paramref name="name"/>, created on first use. A name matching the regular
    /// expression of a parent namespace becomes that parent's child, as in the reference.
    /// </summary>
    public Namespace Of(string name)
    {
        if (!name.StartsWith('/'))
        {
            name = "/" + name;
        }
        if (_namespaces.TryGetValue(name, out var existing))
        {
            return existing;
        }
        foreach (var entry in System.Threading.Volatile.Read(ref _parents))
        {
            if (entry.Pattern?.IsMatch(name) == true)
            {
                return Register(name, entry.Parent);
            }
        }
        return _namespaces.GetOrAdd(name, n => new Namespace(this, n));
    }

    /// <summary>
    /// A parent namespace whose children are created when a client connects to a name matching
    /// <paramref name="pattern"/> (Node <c>io.of(/regex/)</c>).
    /// </summary>
    public Namespace Of(Regex pattern) => AddParent((name, _) => Task.FromResult(pattern.IsMatch(name)), pattern);

    /// <summary>
    /// A parent namespace whose children are created when a client connects to a name the
    /// predicate accepts, given the name and the CONNECT's auth (Node <c>io.of((name, auth, next) => …)</c>).
    /// </summary>
    public Namespace Of(Func<string, JObject, bool> predicate) => AddParent((name, auth) => Task.FromResult(predicate(name, auth)), null);

    /// <summary>Like <see cref="Of(Func{string, JObject, bool})"/>, with an asynchronous predicate.</summary>
    public Namespace Of(Func<string, JObject, Task<bool>> predicate) => AddParent(predicate, null);

    private Namespace AddParent(Func<string, JObject, Task<bool>> matches, Regex? pattern)
    {
        lock (_lock)
        {
            var parent = new Namespace(this, "/_" + _parents.Length, isParent: true);
            _parents = [.. _parents, new ParentEntry(matches, pattern, parent)];
            return parent;
        }
    }

    /// <summary>Adds connection middleware to the main namespace (Node <c>io.use</c>).</summary>
    public SocketIoServer Use(Func<Socket, Task> middleware)
    {
        Sockets.Use(middleware);
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every socket connecting to the main namespace.</summary>
    public SocketIoServer OnConnection(Action<Socket> handler)
    {
        Sockets.OnConnection(handler);
        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every socket connecting to the main namespace.</summary>
    public SocketIoServer OnConnection(Func<Socket, Task> handler)
    {
        Sockets.OnConnection(handler);
        return this;
    }

    /// <summary>Targets sockets of the main namespace in <paramref name="rooms"/>.</summary>
    public BroadcastOperator To(params string[] rooms) => Sockets.To(rooms);

    /// <summary>Same as <see cref="To"/>.</summary>
    public BroadcastOperator In(params string[] rooms) => Sockets.In(rooms);

    /// <summary>Targets every socket of the main namespace but those in <paramref name="rooms"/>.</summary>
    public BroadcastOperator Except(params string[] rooms) => Sockets.Except(rooms);

    /// <summary>The main namespace with the <c>volatile</c> flag.</summary>
    public BroadcastOperator Volatile => Sockets.Volatile;

    /// <summary>The main namespace with the <c>local</c> flag.</summary>
    public BroadcastOperator Local => Sockets.Local;

    /// <summary>The main namespace with the <c>compress</c> flag.</summary>
    public BroadcastOperator Compress(bool compress) => Sockets.Compress(compress);

    /// <summary>The main namespace with an acknowledgement timeout.</summary>
    public BroadcastOperator Timeout(TimeSpan timeout) => Sockets.Timeout(timeout);

    /// <summary>Sends an event to every socket of the main namespace.</summary>
    public bool Emit(string eventName, params object?[] args) => Sockets.Emit(eventName, args);

    /// <summary>Sends an event with acknowledgement to every socket of the main namespace.</summary>
    public Task<BroadcastAckResult> EmitWithAckAsync(string eventName, params object?[] args) => Sockets.EmitWithAckAsync(eventName, args);

    /// <summary>The sockets of the main namespace, as handles.</summary>
    public Task<IReadOnlyList<RemoteSocket>> FetchSocketsAsync() => Sockets.FetchSocketsAsync();

    /// <summary>Makes every socket of the main namespace join <paramref name="rooms"/>.</summary>
    public void SocketsJoin(params string[] rooms) => Sockets.SocketsJoin(rooms);

    /// <summary>Makes every socket of the main namespace leave <paramref name="rooms"/>.</summary>
    public void SocketsLeave(params string[] rooms) => Sockets.SocketsLeave(rooms);

    /// <summary>Disconnects every socket of the main namespace.</summary>
    public void DisconnectSockets(bool close = false) => Sockets.DisconnectSockets(close);

    /// <summary>Sends an event to the other servers of a cluster (main namespace).</summary>
    public bool ServerSideEmit(string eventName, params object?[] args) => Sockets.ServerSideEmit(eventName, args);

    /// <summary>Stops every namespace's adapter (unsubscribes a cluster adapter).</summary>
    public async ValueTask DisposeAsync()
    {
        var adapters = _namespaces.Values.Select(ns => ns.Adapter)
            .Concat(System.Threading.Volatile.Read(ref _parents).Select(p => p.Parent.Adapter));
        foreach (var adapter in adapters)
        {
            try
            {
                await adapter.DisposeAsync();
            }
            catch (Exception ex)
            {
                SocketIoLog.AdapterFailed(Logger, "dispose", adapter.Namespace.Name, ex);
            }
        }
    }

    /// <summary>
    /// Lets an adapter operation nobody awaits (a fire-and-forget emit, as in the reference) finish
    /// on its own and logs it if it fails. Costs nothing for the usual, already completed task.
    /// </summary>
    internal void Observe(Task task, string operation, string nsp)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }
        _ = task.ContinueWith(
            static (t, state) =>
            {
                var (server, operation, nsp) = ((SocketIoServer, string, string))state!;
                SocketIoLog.AdapterFailed(server.Logger, operation, nsp, t.Exception!.GetBaseException());
            },
            (this, operation, nsp),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>A fresh acknowledgement id; unique server-wide, so a broadcast's one id never meets a socket's own.</summary>
    internal long NextAckId() => Interlocked.Increment(ref _nextAckId) - 1;

    /// <summary>
    /// The namespace a client asks for: an existing one, or a new child of the first parent
    /// namespace whose pattern or predicate accepts the name; null when none does.
    /// </summary>
    internal async Task<Namespace?> FindNamespaceAsync(string name, JObject auth)
    {
        if (_namespaces.TryGetValue(name, out var existing))
        {
            return existing;
        }
        foreach (var entry in System.Threading.Volatile.Read(ref _parents))
        {
            bool matches;
            try
            {
                matches = await entry.Matches(name, auth);
            }
            catch (Exception ex)
            {
                // As in the reference, a failing predicate is a "no".
                SocketIoLog.HandlerFailed(Logger, name, "namespace predicate", ex);
                continue;
            }
            if (matches)
            {
                return Register(name, entry.Parent);
            }
        }
        return null;
    }

    private Namespace Register(string name, Namespace parent)
    {
        lock (_lock)
        {
            // Created in the meantime (two clients asking at once): that one wins.
            if (_namespaces.TryGetValue(name, out var existing))
            {
                return existing;
            }
            var child = parent.CreateChild(name);
            _namespaces[name] = child;
            return child;
        }
    }

    /// <summary>An empty child namespace is removed (option <see cref="SocketIoOptions.CleanupEmptyChildNamespaces"/>).</summary>
    internal void RemoveChild(Namespace child)
    {
        lock (_lock)
        {
            _namespaces.TryRemove(new KeyValuePair<string, Namespace>(child.Name, child));
        }
    }

    void IEngineConnectionHandler.OnOpened(IEngineConnection connection)
    {
        var client = new Client(this, connection);
        connection.State = client;
        client.Start();
    }

    void IEngineConnectionHandler.OnMessage(IEngineConnection connection, ReadOnlySpan<byte> data, bool isBinary) =>
        ((Client)connection.State!).OnMessage(data, isBinary);

    void IEngineConnectionHandler.OnClosed(IEngineConnection connection, string reason) =>
        ((Client)connection.State!).OnClosed(reason);
}
