using System.Collections.Concurrent;

namespace SocketIoChat.EngineIo.Hosting;

/// <summary>
/// The Engine.IO servers mapped in this application, by path, for the connection middleware that
/// takes WebSocket upgrades before HTTP routing (see <see cref="EngineIoKestrelExtensions"/>).
/// </summary>
internal sealed class EngineServerDirectory
{
    private readonly ConcurrentDictionary<string, EngineServer> _servers = new(StringComparer.OrdinalIgnoreCase);

    public bool IsEmpty => _servers.IsEmpty;

    public void Add(string path, EngineServer server)
    {
        if (server.Options.WebSocketsAtConnection)
        {
            _servers[Normalize(path)] = server;
        }
    }

    public void Remove(string path, EngineServer server) => _servers.TryRemove(new KeyValuePair<string, EngineServer>(Normalize(path), server));

    /// <summary>The server at <paramref name="path"/>; routing matches with or without a trailing slash, in any case.</summary>
    public EngineServer? Find(string path) => _servers.TryGetValue(Normalize(path), out var server) ? server : null;

    private static string Normalize(string path) => path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
}
