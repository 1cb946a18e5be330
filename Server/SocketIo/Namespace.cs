using System.Collections.Concurrent;
using SocketIoChat.SocketIo.Adapter;

namespace SocketIoChat.SocketIo;

/// <summary>A namespace (<c>/</c>, <c>/test</c>…): its sockets, connection handlers, middleware and adapter.</summary>
public sealed class Namespace
{
    private readonly ConcurrentDictionary<string, Socket> _sockets = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Func<Socket, Task>[] _connectionHandlers = [];
    private Func<Socket, Task>[] _middlewares = [];

    internal Namespace(SocketIoServer server, string name)
    {
        Server = server;
        Name = name;
        Adapter = new InMemoryAdapter(this);
    }

    /// <summary>The namespace name, starting with <c>/</c>.</summary>
    public string Name { get; }

    /// <summary>The server.</summary>
    public SocketIoServer Server { get; }

    /// <summary>Keeps the rooms and delivers broadcasts.</summary>
    public IAdapter Adapter { get; }

    /// <summary>The connected sockets by id.</summary>
    public IReadOnlyDictionary<string, Socket> Sockets => _sockets;

    /// <summary>Runs <paramref name="handler"/> for every socket that connects to this namespace.</summary>
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
    /// <see cref="SocketIoConnectionException"/> (or any exception) to refuse the connection.
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

    /// <summary>Sends an event to every socket of the namespace.</summary>
    public bool Emit(string eventName, params object?[] args) => new BroadcastOperator(this).Emit(eventName, args);

    internal async Task RunMiddlewaresAsync(Socket socket)
    {
        foreach (var middleware in Volatile.Read(ref _middlewares))
        {
            await middleware(socket);
        }
    }

    internal void Add(Socket socket)
    {
        _sockets[socket.Id] = socket;
        Adapter.AddAll(socket.Id, [socket.Id]);
    }

    internal void OnConnected(Socket socket)
    {
        foreach (var handler in Volatile.Read(ref _connectionHandlers))
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

    internal void Remove(Socket socket)
    {
        Adapter.DeleteAll(socket.Id);
        _sockets.TryRemove(new KeyValuePair<string, Socket>(socket.Id, socket));
    }
}
