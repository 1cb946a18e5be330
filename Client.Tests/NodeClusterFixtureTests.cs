using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The Redis cluster test infrastructure on its own, before any .NET adapter: a throw-away Redis,
/// Node socket.io servers with @socket.io/redis-adapter, and @socket.io/redis-emitter, all talking
/// to each other through Redis the way the mixed Node/.NET cluster tests will rely on.
/// </summary>
public sealed class NodeClusterFixtureTests
{
    private const string RequestChannel = "socket.io-request#/#";

    private static string Json(JToken token) => token.ToString(Formatting.None);

    private static Task WaitForNumSubAsync(RedisServer redis, int expected) =>
        Eventually.Until(() => redis.NumSubAsync(RequestChannel), count => count == expected, $"PUBSUB NUMSUB {RequestChannel} = {expected}");

    [Test]
    public async Task Two_node_servers_count_and_answer_each_other_and_obey_the_emitter()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await NodeClusterServer.StartAsync(redis, "A");
        await using var b = await NodeClusterServer.StartAsync(redis, "B");

        // Each server subscribes the request channel on its own connection: Redis counts both.
        Assert.That(await redis.NumSubAsync(RequestChannel), Is.EqualTo(2));

        await using var onA = await SioClient.ConnectAsync(a.WsUrl, "/probe");
        await using var onB = await SioClient.ConnectAsync(b.WsUrl, "/probe");
        Assert.That((string?)await onA.CommandAsync("whoami"), Is.EqualTo("A"));
        Assert.That(Json(await onA.CommandAsync("servers", "2000")), Is.EqualTo("[\"B\"]"), "the other server answers probe-hello");
        Assert.That(Json(await onB.CommandAsync("servers", "2000")), Is.EqualTo("[\"A\"]"));

        await using var emitter = await NodeEmitter.StartAsync(redis);
        Assert.That(Json(await onA.CommandAsync("last-server-event")), Is.EqualTo("null"), "nothing received yet");
        await emitter.ServerSideEmitAsync("/", "emitter-ping", 1, "a");
        // The emitter's PUBLISH is done, but A handles it on its own time: ask until it has.
        var last = await Eventually.Until(() => onA.CommandAsync("last-server-event"), t => t.Type != JTokenType.Null, "A got emitter-ping");
        Assert.That(Json(last), Is.EqualTo("[1,\"a\"]"));

        // A broadcast from the emitter reaches the clients of every server.
        await emitter.EmitAsync("/probe", "from-emitter", [1, "two"]);
        foreach (var client in new[] { onA, onB })
        {
            var (_, name, args) = await client.NextEventAsync().Within(Eventually.Limit);
            Assert.That((name, Json(args)), Is.EqualTo(("from-emitter", "[1,\"two\"]")));
        }
    }

    [Test]
    public async Task Two_node_servers_with_the_streams_adapter_answer_each_other()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await NodeClusterServer.StartAsync(redis, "S1", adapter: "streams");
        await using var b = await NodeClusterServer.StartAsync(redis, "S2", adapter: "streams");

        // The streams adapter counts servers by the subscribers of its public channel.
        Assert.That(await redis.NumSubAsync("socket.io#/#"), Is.EqualTo(2));
        await using var onA = await SioClient.ConnectAsync(a.WsUrl, "/probe");
        Assert.That(Json(await onA.CommandAsync("servers", "2000")), Is.EqualTo("[\"S2\"]"));
        Assert.That((bool)await onA.CommandAsync("recover-probe"), Is.False, "a first connection is never recovered");
    }

    [Test]
    public async Task The_node_probe_namespace_refuses_a_bad_token_and_echoes_unknown_events_like_the_dotnet_host()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await NodeClusterServer.StartAsync(redis, "A");

        var (ws, answer) = await SioClient.TryConnectAsync(a.WsUrl, "/probe", "{\"token\":\"bad\"}");
        await using var _ = ws;
        Assert.That(answer, Is.EqualTo("44/probe,{\"message\":\"unauthorized\",\"data\":{\"code\":401}}"));

        await using var client = await SioClient.ConnectAsync(a.WsUrl, "/probe");
        Assert.That(Json(await client.CommandAsync("servers", "2000")), Is.EqualTo("[]"), "alone in the cluster");
        await client.EmitAsync("whatever", "1,\"two\"");
        var (_, name, args) = await client.NextEventAsync().Within(Eventually.Limit);
        Assert.That((name, Json(args)), Is.EqualTo(("any", "[[\"whatever\",1,\"two\"]]")));
    }

    [Test]
    public async Task A_killed_node_server_leaves_the_count_and_the_others_stop_waiting_for_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await NodeClusterServer.StartAsync(redis, "A");
        await using var b = await NodeClusterServer.StartAsync(redis, "B");
        await using var onA = await SioClient.ConnectAsync(a.WsUrl, "/probe");
        Assert.That(Json(await onA.CommandAsync("servers", "2000")), Is.EqualTo("[\"B\"]"));

        await b.KillAsync();

        Assert.That(b.Process.HasExited, Is.True);
        // Redis drops B's subscriptions when its connection closes with the process.
        await WaitForNumSubAsync(redis, 1);
        Assert.That(Json(await onA.CommandAsync("servers", "2000")), Is.EqualTo("[]"));
    }

    [Test]
    public async Task Redis_restarts_empty_on_the_same_port_and_node_servers_subscribe_again()
    {
        await using var redis = await RedisServer.StartAsync();
        var port = redis.Port;
        Assert.That(await redis.CommandAsync("SET", "kept", "no"), Is.EqualTo("+OK\r\n"));
        await using var a = await NodeClusterServer.StartAsync(redis, "A");

        await redis.RestartAsync();

        Assert.That(redis.Port, Is.EqualTo(port));
        Assert.That(await redis.CommandAsync("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(await redis.CommandAsync("GET", "kept"), Is.EqualTo("$-1\r\n"), "nothing is persisted");
        // node-redis reconnects and subscribes again by itself.
        await WaitForNumSubAsync(redis, 1);
        await using var onA = await SioClient.ConnectAsync(a.WsUrl, "/probe");
        Assert.That((string?)await onA.CommandAsync("whoami"), Is.EqualTo("A"));
    }
}
