using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Connection state recovery across a cluster on the Redis Streams adapter: two of our hosts
/// (<c>--redis-streams</c>) and one Node socket.io 4.8 server with
/// <c>@socket.io/redis-streams-adapter</c> 0.3 on one Redis. A v5 client that was on one server
/// comes back on ANOTHER one (of either runtime) and gets what it missed, exactly once, in order,
/// before the CONNECT answer — spoken by hand, so the test sees every packet.
/// </summary>
public sealed class StreamsRecoveryTests
{
    private RedisServer _redis = null!;
    private TestServer _a = null!;
    private TestServer _b = null!;
    private NodeClusterServer _node = null!;

    [SetUp]
    public async Task StartClusterAsync()
    {
        _redis = await RedisServer.StartAsync();
        _a = await TestServer.StartAsync("conformance", "--redis-streams", _redis.Endpoint, "--server-id", "a");
        _b = await TestServer.StartAsync("conformance", "--redis-streams", _redis.Endpoint, "--server-id", "b");
        _node = await NodeClusterServer.StartAsync(_redis, "node", adapter: "streams");
        await Eventually.Until(() => _redis.NumSubAsync("socket.io#/probe#"), n => n >= 3, "three servers subscribed");
    }

    [TearDown]
    public async Task StopClusterAsync()
    {
        await _node.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>A raw v5 client on <c>/probe</c>: its socket id, private session id and the offset of a first event.</summary>
    private static async Task<(EngineWebSocket Socket, string Sid, string Pid)> ConnectAsync(string wsUrl, string auth = "")
    {
        var (ws, _) = await EngineWebSocket.OpenAsync(wsUrl + "/socket.io/?EIO=4&transport=websocket");
        await ws.SendAsync("40/probe," + auth);
        var answer = await ws.NextTextAsync();
        Assert.That(answer, Does.StartWith("40/probe,{"), "connected");
        var connect = JObject.Parse(answer["40/probe,".Length..]);
        return (ws, (string)connect["sid"]!, (string)connect["pid"]!);
    }

    private static async Task<JArray> NextEventAsync(EngineWebSocket ws)
    {
        var text = await ws.NextTextAsync();
        Assert.That(text, Does.StartWith("42/probe,["), "an event of /probe");
        return JArray.Parse(text["42/probe,".Length..]);
    }

    private async Task WaitForSessionAsync(string pid) =>
        await Eventually.Until(() => _redis.CommandAsync("EXISTS", "sio:session:" + pid), reply => reply == ":1\r\n", "the session kept in Redis");

    [TestCase("a", "b", TestName = "A client of one of our servers recovers on the other")]
    [TestCase("node", "a", TestName = "A client of the Node server recovers on ours")]
    [TestCase("a", "node", TestName = "A client of ours recovers on the Node server")]
    public async Task A_client_recovers_on_another_server_with_what_it_missed_exactly_once(string from, string to)
    {
        string Url(string server) => server switch { "a" => _a.WsUrl, "b" => _b.WsUrl, _ => _node.WsUrl };
        var (first, sid, pid) = await ConnectAsync(Url(from));
        // An event through the cluster gives the client its first offset.
        _b.Io.Of("/probe").To(sid).Emit("n", 0);
        var zero = await NextEventAsync(first);
        Assert.That((string?)zero[0], Is.EqualTo("n"));
        var offset = (string)zero[^1]!;
        Assert.That(offset, Does.Match(@"^\d+-\d+$"), "the offset is the stream entry id");

        await first.DisposeAsync();
        await WaitForSessionAsync(pid);
        // Missed while away: to its own room from our server B, to everyone from our server A;
        // not for it: a room it is not in. Each awaited, so the stream holds them in this order.
        await _b.Io.Of("/probe").To(sid).EmitAsync("n", [1]);
        await _a.Io.Of("/probe").EmitAsync("n", [2]);
        await _a.Io.Of("/probe").To("elsewhere").EmitAsync("n", [-1]);
        await _b.Io.Of("/probe").To(sid).EmitAsync("n", [3]);

        var (back, _) = await EngineWebSocket.OpenAsync(Url(to) + "/socket.io/?EIO=4&transport=websocket");
        await using var _ = back;
        await back.SendAsync($"40/probe,{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}");
        var received = new List<int>();
        string text;
        while (!(text = await back.NextTextAsync()).StartsWith("40/probe,", StringComparison.Ordinal))
        {
            var args = JArray.Parse(text["42/probe,".Length..]);
            Assert.That((string?)args[0], Is.EqualTo("n"));
            received.Add((int)args[1]);
        }
        Assert.That(received, Is.EqualTo(new[] { 1, 2, 3 }), "the missed events, once each, in order, before the answer");
        Assert.That(JObject.Parse(text["40/probe,".Length..])["sid"]?.ToString(), Is.EqualTo(sid), "the same socket id");
        await back.SendAsync("42/probe,7[\"recover-probe\"]");
        Assert.That(await back.NextTextAsync(), Is.EqualTo("43/probe,7[true]"));
    }

    [Test]
    public async Task An_unknown_session_connects_afresh()
    {
        var (ws, _) = await EngineWebSocket.OpenAsync(_a.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var _ = ws;
        await ws.SendAsync("40/probe,{\"pid\":\"nobody\",\"offset\":\"1-0\"}");
        var answer = JObject.Parse((await ws.NextTextAsync())["40/probe,".Length..]);
        Assert.That((string?)answer["pid"], Is.Not.EqualTo("nobody"));
        await ws.SendAsync("42/probe,7[\"recover-probe\"]");
        Assert.That(await ws.NextTextAsync(), Is.EqualTo("43/probe,7[false]"));
    }
}
