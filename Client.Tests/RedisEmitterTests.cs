using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.Redis;
using SocketIoChat.Tests.Support;
using StackExchange.Redis;

namespace SocketIoChat.Tests;

/// <summary>
/// Emitters from processes that are not servers: our <see cref="RedisEmitter"/> and Node's
/// <c>@socket.io/redis-emitter</c> 5.1, each driving a cluster of one of our hosts and one Node
/// socket.io 4.8 server on one Redis, with a raw client on <c>/probe</c> of each.
/// </summary>
public sealed class RedisEmitterTests
{
    private RedisServer _redis = null!;
    private TestServer _ours = null!;
    private NodeClusterServer _node = null!;
    private ConnectionMultiplexer _connection = null!;
    private SioClient _onOurs = null!;
    private SioClient _onNode = null!;

    private SioClient[] Clients => [_onOurs, _onNode];

    private RedisEmitter Emitter => new RedisEmitter(_connection).Of("probe");

    [SetUp]
    public async Task StartClusterAsync()
    {
        _redis = await RedisServer.StartAsync();
        _ours = await TestServer.StartAsync("conformance", "--redis", _redis.Endpoint, "--server-id", "ours");
        _node = await NodeClusterServer.StartAsync(_redis, "node");
        await Eventually.Until(() => _redis.NumSubAsync("socket.io-request#/probe#"), n => n >= 2, "both servers subscribed");
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Endpoint);
        _onOurs = await SioClient.ConnectAsync(_ours, "/probe");
        _onNode = await SioClient.ConnectAsync(_node.WsUrl, "/probe");
        foreach (var client in Clients)
        {
            await client.CommandAsync("join", "\"r\"");
        }
    }

    [TearDown]
    public async Task StopClusterAsync()
    {
        await _onOurs.DisposeAsync();
        await _onNode.DisposeAsync();
        await _connection.DisposeAsync();
        await _node.DisposeAsync();
        await _ours.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static string Json(JToken token) => token.ToString(Formatting.None);

    /// <summary>The next event's name and arguments, without the recovery offset our /probe appends.</summary>
    private static async Task<(string Name, JArray Args)> NextAsync(SioClient client, bool fromOurs)
    {
        var (_, name, args) = await client.NextEventAsync().Within();
        if (fromOurs)
        {
            args.RemoveAt(args.Count - 1);
        }
        return (name, args);
    }

    private async Task<(string Name, JArray Args)> NextAsync(SioClient client) => await NextAsync(client, client == _onOurs);

    [Test]
    public async Task Our_emitter_reaches_a_room_on_both_runtimes_with_binary_and_the_compress_flag()
    {
        await Emitter.To("r").EmitAsync("news", 1, new JObject { ["t"] = "x" });
        // Not volatile here: a volatile packet right behind another may rightly be dropped by either server.
        await Emitter.Compress(false).To("r").EmitAsync("quick", 2);
        foreach (var client in Clients)
        {
            var news = await NextAsync(client);
            Assert.That((news.Name, Json(news.Args)), Is.EqualTo(("news", "[1,{\"t\":\"x\"}]")));
            var quick = await NextAsync(client);
            Assert.That((quick.Name, Json(quick.Args)), Is.EqualTo(("quick", "[2]")));
        }

        await Emitter.To("r").EmitAsync("bin", new byte[] { 7, 8 });
        foreach (var client in Clients)
        {
            var header = await client.NextAsync().Within();
            Assert.That(header, Does.StartWith("51-/probe,[\"bin\",{\"_placeholder\":true,\"num\":0}"));
            Assert.That((await client.Socket.NextSkippingPingsAsync()).Binary, Is.EqualTo(new byte[] { 7, 8 }));
        }
    }

    [Test]
    public async Task Our_emitter_excepts_a_room_and_refuses_reserved_names()
    {
        await _onNode.CommandAsync("join", "\"quiet\"");
        await Emitter.Except("quiet").EmitAsync("loud");
        await Emitter.EmitAsync("marker");
        Assert.That((await NextAsync(_onOurs)).Name, Is.EqualTo("loud"));
        Assert.That((await NextAsync(_onOurs)).Name, Is.EqualTo("marker"));
        Assert.That((await NextAsync(_onNode)).Name, Is.EqualTo("marker"), "the member of the excepted room got nothing before");
        Assert.ThrowsAsync<ArgumentException>(() => Emitter.EmitAsync("connect"));
        Assert.ThrowsAsync<ArgumentException>(() => Emitter.ServerSideEmitAsync("connection"));
    }

    [Test]
    public async Task Our_emitter_moves_sockets_between_rooms_and_disconnects_them_on_both_runtimes()
    {
        await Emitter.In("r").SocketsJoinAsync("r2");
        await Emitter.In("r2").SocketsLeaveAsync("r");
        foreach (var client in Clients)
        {
            var rooms = await Eventually.Until(() => client.CommandAsync("rooms"), t => t.Any(r => (string?)r == "r2") && !t.Any(r => (string?)r == "r"), "r2 joined, r left");
            Assert.That(rooms.Select(r => (string)r!), Is.EquivalentTo(new[] { client.Id, "r2" }));
        }
        await Emitter.In("r2").DisconnectSocketsAsync();
        foreach (var client in Clients)
        {
            Assert.That(await client.NextAsync().Within(), Is.EqualTo("1/probe,"), "a DISCONNECT of /probe");
        }
    }

    [Test]
    public async Task Our_emitters_server_side_event_reaches_both_runtimes()
    {
        await new RedisEmitter(_connection).ServerSideEmitAsync("emitter-ping", 1, "a");
        foreach (var client in Clients)
        {
            var last = await Eventually.Until(() => client.CommandAsync("last-server-event"), t => t.Type != JTokenType.Null, "emitter-ping arrived");
            Assert.That(Json(last), Is.EqualTo("[1,\"a\"]"));
        }
    }

    [Test]
    public async Task Nodes_emitter_moves_and_disconnects_our_sockets()
    {
        await using var emitter = await NodeEmitter.StartAsync(_redis);
        await emitter.SendAsync(new { op = "socketsJoin", nsp = "/probe", to = new[] { "r" }, rooms = new[] { "n2" } });
        await emitter.SendAsync(new { op = "socketsLeave", nsp = "/probe", to = new[] { "n2" }, rooms = new[] { "r" } });
        var rooms = await Eventually.Until(() => _onOurs.CommandAsync("rooms"), t => !t.Any(r => (string?)r == "r"), "our socket left r");
        Assert.That(rooms.Select(r => (string)r!), Is.EquivalentTo(new[] { _onOurs.Id, "n2" }));
        await emitter.SendAsync(new { op = "disconnectSockets", nsp = "/probe", to = new[] { _onOurs.Id }, close = false });
        Assert.That(await _onOurs.NextAsync().Within(), Is.EqualTo("1/probe,"));
    }
}
