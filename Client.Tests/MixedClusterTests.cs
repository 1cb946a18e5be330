using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Two of our hosts (<c>--profile conformance --redis</c>) and one Node socket.io 4.8 server with
/// <c>@socket.io/redis-adapter</c> 8.3 on one Redis, with a raw client on <c>/probe</c> of each:
/// the probe commands act across the cluster whichever runtime receives them.
/// </summary>
public sealed class MixedClusterTests
{
    private RedisServer _redis = null!;
    private TestServer _dotnetA = null!;
    private TestServer _dotnetB = null!;
    private NodeClusterServer _node = null!;
    private SioClient[] _clients = [];

    private SioClient OnA => _clients[0];

    private SioClient OnB => _clients[1];

    private SioClient OnNode => _clients[2];

    [SetUp]
    public async Task StartClusterAsync()
    {
        _redis = await RedisServer.StartAsync();
        _dotnetA = await TestServer.StartAsync("conformance", "--redis", _redis.Endpoint, "--server-id", "dotnet-a");
        _dotnetB = await TestServer.StartAsync("conformance", "--redis", _redis.Endpoint, "--server-id", "dotnet-b");
        _node = await NodeClusterServer.StartAsync(_redis, "node-c");
        // Every server counts the other two before the case starts.
        await Eventually.Until(
            async () => Math.Min(await _redis.NumSubAsync("socket.io-request#/probe#"), await _redis.NumSubAsync("socket.io-request#/#")),
            count => count >= 3, "three servers subscribed");
        _clients =
        [
            await SioClient.ConnectAsync(_dotnetA, "/probe"),
            await SioClient.ConnectAsync(_dotnetB, "/probe"),
            await SioClient.ConnectAsync(_node.WsUrl, "/probe"),
        ];
    }

    [TearDown]
    public async Task StopClusterAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
        await _node.DisposeAsync();
        await _dotnetA.DisposeAsync();
        await _dotnetB.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static string Json(JToken token) => token.ToString(Formatting.None);

    /// <summary>The next event other than <c>any</c> echoes; its name and arguments without a recovery offset.</summary>
    private static async Task<(string Name, string Args)> NextAsync(SioClient client)
    {
        var (_, name, args) = await client.NextEventAsync().Within();
        // Our /probe keeps connection state recovery: its events end with an offset string; Node's pub/sub cluster has none.
        if (args.Count > 0 && args[^1] is JValue { Type: JTokenType.String } last && ((string)last!).Contains('.', StringComparison.Ordinal))
        {
            args.RemoveAt(args.Count - 1);
        }
        return (name, Json(args));
    }

    [Test]
    public async Task Every_server_names_itself_and_the_two_others()
    {
        Assert.That((string?)await OnA.CommandAsync("whoami"), Is.EqualTo("dotnet-a"));
        Assert.That(Json(await OnA.CommandAsync("servers", "3000")), Is.EqualTo("[\"dotnet-b\",\"node-c\"]"));
        Assert.That(Json(await OnB.CommandAsync("servers", "3000")), Is.EqualTo("[\"dotnet-a\",\"node-c\"]"));
        Assert.That(Json(await OnNode.CommandAsync("servers", "3000")), Is.EqualTo("[\"dotnet-a\",\"dotnet-b\"]"));
    }

    [Test]
    public async Task A_room_broadcast_from_either_runtime_reaches_the_members_on_every_server()
    {
        foreach (var client in _clients)
        {
            await client.CommandAsync("join", "\"r\"");
        }
        foreach (var sender in _clients)
        {
            // No ack asked: waiting for one would skip the event the sender gets as a member.
            await sender.EmitAsync("to", "\"r\",\"hi\",{\"n\":1}");
            foreach (var client in _clients)
            {
                Assert.That(await NextAsync(client), Is.EqualTo(("hi", "[{\"n\":1}]")), $"from {_clients.ToList().IndexOf(sender)} to {_clients.ToList().IndexOf(client)}");
            }
        }
    }

    [Test]
    public async Task Except_and_broadcast_to_leave_out_the_right_sockets_across_runtimes()
    {
        await OnB.CommandAsync("join", "\"quiet\"");
        await OnNode.EmitAsync("except", "\"quiet\",\"ex\",1");
        Assert.That(await NextAsync(OnA), Is.EqualTo(("ex", "[1]")));
        Assert.That(await NextAsync(OnNode), Is.EqualTo(("ex", "[1]")));
        await OnNode.CommandAsync("join", "\"quiet\"");
        await OnB.CommandAsync("broadcast-to", "\"quiet\",\"bt\",2");
        Assert.That(await NextAsync(OnNode), Is.EqualTo(("bt", "[2]")));
        // Neither B (the sender) nor A (not a member) got "bt": the next thing they see is a later marker.
        await OnNode.CommandAsync("to", $"\"{OnA.Id}\",\"marker\",0");
        await OnNode.CommandAsync("to", $"\"{OnB.Id}\",\"marker\",0");
        Assert.That((await NextAsync(OnA)).Name, Is.EqualTo("marker"));
        Assert.That((await NextAsync(OnB)).Name, Is.EqualTo("marker"));
    }

    [Test]
    public async Task Fetch_from_either_runtime_sees_the_sockets_and_data_of_the_other()
    {
        await OnA.CommandAsync("set-data", "{\"who\":\"a\"}");
        await OnNode.CommandAsync("set-data", "{\"who\":\"node\"}");
        foreach (var asker in new[] { OnB, OnNode })
        {
            var fetched = (JArray)await asker.CommandAsync("fetch", "null");
            var byId = fetched.ToDictionary(s => (string)s["id"]!, s => Json(s["data"]!));
            Assert.That(byId.Keys, Is.EquivalentTo(_clients.Select(c => c.Id)));
            Assert.That(byId[OnA.Id], Is.EqualTo("{\"who\":\"a\"}"));
            Assert.That(byId[OnNode.Id], Is.EqualTo("{\"who\":\"node\"}"));
            Assert.That(byId[OnB.Id], Is.EqualTo("{}"));
        }
    }

    [Test]
    public async Task A_broadcast_with_acks_collects_answers_from_both_runtimes_and_ends_at_its_timeout_when_one_is_silent()
    {
        var ask = OnNode.EmitWithAckAsync("ask-all", "\"question\",3000");
        foreach (var (client, answer) in new[] { (OnA, "\"a\""), (OnB, "\"b\"") })
        {
            var (ackId, name, _) = await client.NextEventAsync().Within();
            Assert.That(name, Is.EqualTo("question"));
            await client.AckAsync(ackId, $"[{answer}]");
        }
        Assert.That(Json((await ask.Within())[0]), Is.EqualTo("[\"a\",\"b\"]").Or.EqualTo("[\"b\",\"a\"]"));

        // From ours, with the Node client silent: the partial answer once the time is up.
        var partial = OnA.EmitWithAckAsync("ask-all", "\"question\",1500");
        var (ackB, _, _) = await OnB.NextEventAsync().Within();
        await OnB.AckAsync(ackB, "[\"b\"]");
        var (_, silentName, _) = await OnNode.NextEventAsync().Within();
        Assert.That(silentName, Is.EqualTo("question"));
        Assert.That(Json((await partial.Within())[0]), Is.EqualTo("[\"b\"]"));
    }

    [Test]
    public async Task SocketsJoin_and_disconnect_room_from_node_act_on_our_sockets()
    {
        await OnA.CommandAsync("join", "\"src\"");
        await OnNode.CommandAsync("sockets-join", "\"src\",\"dst\"");
        await Eventually.Until(() => OnA.CommandAsync("rooms"), rooms => rooms.Any(r => (string?)r == "dst"), "A joined dst");
        await OnNode.CommandAsync("disconnect-room", "\"dst\"");
        Assert.That(await OnA.NextAsync().Within(), Is.EqualTo("1/probe,"), "a DISCONNECT of /probe");
    }

    [Test]
    public async Task Node_emitter_reaches_our_clients_and_our_server_side_handlers()
    {
        await using var emitter = await NodeEmitter.StartAsync(_redis);
        await OnB.CommandAsync("join", "\"e\"");
        await emitter.EmitAsync("/probe", "from-emitter", [1, "two"], to: ["e"]);
        Assert.That(await NextAsync(OnB), Is.EqualTo(("from-emitter", "[1,\"two\"]")));

        await emitter.ServerSideEmitAsync("/", "emitter-ping", 1, "a");
        var last = await Eventually.Until(() => OnA.CommandAsync("last-server-event"), t => t.Type != JTokenType.Null, "our server got emitter-ping");
        Assert.That(Json(last), Is.EqualTo("[1,\"a\"]"));
    }

    [Test]
    public async Task Five_hundred_events_from_node_arrive_at_our_client_in_order()
    {
        for (var i = 0; i < 500; i++)
        {
            await OnNode.EmitAsync("to", $"\"{OnA.Id}\",\"n\",{i}");
        }
        for (var i = 0; i < 500; i++)
        {
            Assert.That(await NextAsync(OnA), Is.EqualTo(("n", $"[{i}]")));
        }
    }

    [Test]
    public async Task Clients_of_both_generations_on_both_runtimes_share_rooms_binary_and_fetch()
    {
        var outcome = await NodeSteps.RunAsync(_dotnetA, new
        {
            clients = new Dictionary<string, object>
            {
                ["ours4"] = new { @namespace = "/probe" },
                ["ours2"] = new { @namespace = "/probe", url = _dotnetB.Url, version = "2" },
                ["node2"] = new { @namespace = "/probe", url = _node.Url, version = "2" },
                ["node4"] = new { @namespace = "/probe", url = _node.Url },
            },
            steps = new object[]
            {
                new { client = "ours4", emit = "join", args = new[] { "g" }, ack = true, label = "j1" },
                new { client = "ours2", emit = "join", args = new[] { "g" }, ack = true, label = "j2" },
                new { client = "node2", emit = "join", args = new[] { "g" }, ack = true, label = "j3" },
                new { client = "node4", emit = "join", args = new[] { "g" }, ack = true, label = "j4" },
                // A 2.x client on Node sends binary to the room; a 4.x client on ours sends text.
                new { client = "node2", emit = "to", args = new object[] { "g", "hello", new Dictionary<string, object> { ["bin"] = new Dictionary<string, string> { ["$binary"] = "AQI=" } } }, ack = true, label = "sent1" },
                new { client = "ours4", emit = "to", args = new object[] { "g", "hi", "text" }, ack = true, label = "sent2" },
                new { client = "ours4", wait = "hello", label = "ours4-hello" },
                new { client = "ours2", wait = "hello", label = "ours2-hello" },
                new { client = "node2", wait = "hello", label = "node2-hello" },
                new { client = "node4", wait = "hello", label = "node4-hello" },
                new { client = "ours4", wait = "hi", label = "ours4-hi" },
                new { client = "ours2", wait = "hi", label = "ours2-hi" },
                new { client = "node2", wait = "hi", label = "node2-hi" },
                new { client = "node4", wait = "hi", label = "node4-hi" },
                new { client = "ours2", emit = "fetch", args = new[] { "g" }, ack = true, label = "fetched" },
            },
        });
        Assert.That(outcome["connect"]!.Values().Select(v => (string?)v), Is.All.EqualTo("connected"), outcome.ToString());
        var results = (JObject)outcome["results"]!;
        foreach (var client in new[] { "ours4", "ours2", "node2", "node4" })
        {
            // Our /probe adds a recovery offset after the payload: compare the payload.
            Assert.That(Json(results[client + "-hello"]![0]!), Is.EqualTo("{\"bin\":{\"$binary\":\"AQI=\"}}"), client + ": the binary as bytes");
            Assert.That(Json(results[client + "-hi"]![0]!), Is.EqualTo("\"text\""), client);
        }
        Assert.That(((JArray)results["fetched"]![0]!).Count, Is.EqualTo(4), "fetch from a 2.x client on ours sees the four sockets");
    }

    [Test]
    public async Task Volatile_and_compress_flags_cross_the_cluster_both_ways()
    {
        // What our server publishes, read off Redis with the codec's decoder.
        await using var watcher = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Endpoint);
        var published = new System.Collections.Concurrent.ConcurrentQueue<SocketIoChat.Redis.Protocol.ClassicBroadcast>();
        await watcher.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Pattern("socket.io#/probe#*"),
            (_, message) => published.Enqueue(SocketIoChat.Redis.Protocol.ClassicMessages.DecodeBroadcast((byte[])message!)));
        _dotnetA.Io.Of("/probe").To(OnNode.Id).Volatile.Compress(false).Emit("v", 1);
        Assert.That(await NextAsync(OnNode), Is.EqualTo(("v", "[1]")), "an idle client gets a volatile packet");
        var flags = (await Eventually.Until(() => Task.FromResult(published.FirstOrDefault(m => m.Packet.EventName == "v")), m => m is not null, "our broadcast published"))!.Options.Flags;
        Assert.That((flags.Volatile, flags.Compress), Is.EqualTo(((bool?)true, (bool?)false)));

        // And what Node's emitter marks volatile reaches our idle client.
        await using var emitter = await NodeEmitter.StartAsync(_redis);
        await emitter.SendAsync(new { op = "emit", nsp = "/probe", to = new[] { OnA.Id }, @volatile = true, compress = false, @event = "v2", args = new[] { 2 } });
        Assert.That(await NextAsync(OnA), Is.EqualTo(("v2", "[2]")));
        var fromEmitter = await Eventually.Until(() => Task.FromResult(published.FirstOrDefault(m => m.Packet.EventName == "v2")), m => m is not null, "the emitter's broadcast seen");
        Assert.That((fromEmitter!.IsFromEmitter, fromEmitter.Options.Flags.Volatile), Is.EqualTo((true, (bool?)true)), "Node's emitter sent it volatile");
    }
}
