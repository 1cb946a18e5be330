using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo;

/// <summary>
/// The Socket.IO server: its namespaces, and the handler of every engine connection. Register it
/// with <c>AddSocketIo</c> and serve it with <c>MapSocketIo</c>.
/// </summary>
public sealed class SocketIoServer : IEngineConnectionHandler
{
    private readonly ConcurrentDictionary<string, Namespace> _namespaces = new(StringComparer.Ordinal);

    /// <summary>Creates the server (normally done by dependency injection, which also supplies the meter factory).</summary>
    public SocketIoServer(IOptions<SocketIoOptions> options, ILoggerFactory loggerFactory, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        Metrics = new SocketIoMetrics(meterFactory);
        Options = options.Value;
        Logger = loggerFactory.CreateLogger("SocketIoChat.SocketIo");
        Time = time ?? TimeProvider.System;
        Of("/");
    }

    /// <summary>The options in force.</summary>
    public SocketIoOptions Options { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    internal SocketIoMetrics Metrics { get; }

    /// <summary>The main namespace, <c>/</c>.</summary>
    public Namespace Sockets => Of("/");

    /// <summary>The namespace <paramref name="name"/>, created on first use.</summary>
    public Namespace Of(string name)
    {
        if (!name.StartsWith('/'))
        {
            name = "/" + name;
        }
        return _namespaces.GetOrAdd(name, n => new Namespace(this, n));
    }

    /// <summary>Runs <paramref name="handler"/> for every socket connecting to the main namespace.</summary>
    public SocketIoServer OnConnection(Action<Socket> handler)
    {
        Sockets.OnConnection(handler);
        return this;
    }

    /// <summary>Targets sockets of the main namespace in <paramref name="rooms"/>.</summary>
    public BroadcastOperator To(params string[] rooms) => Sockets.To(rooms);

    /// <summary>Sends an event to every socket of the main namespace.</summary>
    public bool Emit(string eventName, params object?[] args) => Sockets.Emit(eventName, args);

    internal Namespace? FindNamespace(string name) => _namespaces.GetValueOrDefault(name);

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
