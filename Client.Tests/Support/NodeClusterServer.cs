using System.Globalization;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// A Node socket.io 4.8 server in a Redis cluster (<c>node/cluster-server.mjs</c>): serves the
/// same <c>/probe</c> namespace as the .NET conformance host plus <c>whoami</c>, <c>servers</c>
/// and <c>last-server-event</c>. Ready once started: its adapters are subscribed in Redis.
/// </summary>
public sealed class NodeClusterServer : IAsyncDisposable
{
    private NodeClusterServer(NodeProcess process, string serverId, int port)
    {
        Process = process;
        ServerId = serverId;
        Port = port;
    }

    /// <summary>The node process (stderr, kill).</summary>
    public NodeProcess Process { get; }

    /// <summary>The id it answers <c>whoami</c> and <c>probe-hello</c> with.</summary>
    public string ServerId { get; }

    /// <summary>Its HTTP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>, for socket.io clients.</summary>
    public string Url => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>ws://127.0.0.1:PORT</c>, for the hand-made WebSocket clients.</summary>
    public string WsUrl => "ws://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts a server with the classic pub/sub adapter (<paramref name="adapter"/> = <c>pubsub</c>)
    /// or the streams adapter (<c>streams</c>, with connection state recovery). Servers of both
    /// kinds must not share a <paramref name="key"/> on one Redis: a pub/sub server crashes on the
    /// streams adapter's messages, which arrive on its broadcast pattern.
    /// </summary>
    public static async Task<NodeClusterServer> StartAsync(
        RedisServer redis, string serverId, string adapter = "pubsub", int requestsTimeoutMs = 5000, string key = "socket.io")
    {
        var process = await NodeProcess.StartAsync("cluster-server.mjs",
        [
            "--redis", redis.Endpoint, "--server-id", serverId, "--adapter", adapter,
            "--requests-timeout", requestsTimeoutMs.ToString(CultureInfo.InvariantCulture), "--key", key,
        ]);
        var port = (int?)process.FirstLine["listening"];
        if (port is null)
        {
            await process.DisposeAsync();
            Assert.Fail($"cluster-server.mjs {serverId} announced no port: {process.FirstLine}");
        }
        return new NodeClusterServer(process, serverId, port!.Value);
    }

    /// <summary>Kills the server at once (SIGKILL): it leaves the cluster without unsubscribing.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
