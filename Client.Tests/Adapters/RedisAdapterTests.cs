using Newtonsoft.Json.Linq;
using SocketIoChat.Redis.Hosting;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Adapters;

/// <summary>The adapter specification for an adapter on Redis: a Redis server started for each case, three of our servers on it.</summary>
public abstract class RedisSpecification : AdapterSpecification
{
    /// <summary>The Redis server of the running case.</summary>
    protected RedisServer Redis { get; private set; } = null!;

    protected override int ServerCount => 3;

    protected override async Task StartBackplaneAsync() => Redis = await RedisServer.StartAsync();

    protected override async ValueTask StopBackplaneAsync() => await Redis.DisposeAsync();

    [Test]
    public async Task Socket_data_fetched_from_another_server_is_written_with_the_servers_camelCase_json()
    {
        var last = ServerCount - 1;
        SocketOf(last).Data["profile"] = new Profile("Ada", new() { ["Keep-Case"] = 1 });

        var fetched = (await Main(0).In(Clients[last].Id).FetchSocketsAsync().Within()).Single();

        // Dictionary keys are data and stay as they are; member names become camelCase.
        Assert.That(((JToken)fetched.Data["profile"]!).ToString(Newtonsoft.Json.Formatting.None),
            Is.EqualTo("{\"displayName\":\"Ada\",\"counters\":{\"Keep-Case\":1}}"));
    }

    private sealed record Profile(string DisplayName, Dictionary<string, int> Counters);
}

/// <summary>
/// The adapter specification on the Redis pub/sub adapter: three of our servers, each with its own
/// Redis connection.
/// </summary>
[TestFixture]
public sealed class RedisAdapterTests : RedisSpecification
{
    protected override void UseAdapter(SocketIoBuilder builder, int index) =>
        builder.AddRedisAdapter(o => o.Configuration = Redis.Endpoint);

    [Test]
    public async Task Malformed_messages_on_the_clusters_channels_are_logged_and_dropped_and_the_cluster_goes_on()
    {
        string[] channels = ["socket.io#/#", "socket.io#/#room#", "socket.io-request#/#", "socket.io-response#/#"];
        string[] payloads = ["garbage", "{\"type\":", "\u0093\u00a1", "[]", "{\"uid\":\"x\",\"type\":7}", "[\"x\",{\"type\":2,\"data\":5}]"];
        foreach (var channel in channels)
        {
            foreach (var payload in payloads)
            {
                await Redis.CommandAsync("PUBLISH", channel, payload);
            }
        }
        // Redis hands the subscribers its messages in order: once this broadcast is through, so are the bad ones.
        Servers[1].Io.Emit("after");
        foreach (var client in Clients)
        {
            var (_, name, _) = await client.NextEventAsync().Within();
            Assert.That(name, Is.EqualTo("after"), "nothing of the bad messages reached a client");
        }
        await Eventually.True(() => Logs[0].Lines.Any(l => l.Contains("could not be handled", StringComparison.Ordinal)), "the dropped messages logged");
    }
}

/// <summary>
/// The adapter specification on the Redis Streams adapter: three of our servers on one Redis stream.
/// </summary>
[TestFixture]
public sealed class RedisStreamsAdapterTests : RedisSpecification
{
    protected override bool AllRoomsIsClusterWide => false;

    protected override void UseAdapter(SocketIoBuilder builder, int index) =>
        builder.AddRedisStreamsAdapter(o => o.Configuration = Redis.Endpoint);

    [Test]
    public async Task Malformed_stream_entries_and_messages_are_logged_and_skipped_and_the_cluster_goes_on()
    {
        string[][] entries =
        [
            ["uid", "x", "nsp", "/", "type", "3", "data", "{not json"],
            ["uid", "x", "nsp", "/", "type", "three", "data", "{}"],
            ["uid", "x", "nsp", "/", "type", "3", "data", "!!!not base64"],
            ["uid", "x", "nsp", "/", "type", "3", "data", "{\"packet\":5}"],
            ["no", "nsp"],
        ];
        foreach (var fields in entries)
        {
            await Redis.CommandAsync(["XADD", "socket.io", "*", .. fields]);
        }
        foreach (var payload in new[] { "garbage", "{\"type\":", "[]", "{\"type\":3,\"nsp\":\"/\",\"uid\":\"x\",\"data\":{\"packet\":1}}" })
        {
            await Redis.CommandAsync("PUBLISH", "socket.io#/#", payload);
        }
        // The stream and each subscription are read in order: once this broadcast is through, so are the bad ones.
        Servers[1].Io.Emit("after");
        foreach (var client in Clients)
        {
            var (_, name, _) = await client.NextEventAsync().Within();
            Assert.That(name, Is.EqualTo("after"), "nothing of the bad entries reached a client");
        }
        await Eventually.True(() => Logs[0].Lines.Count(l => l.Contains("could not be handled", StringComparison.Ordinal)) >= 4, "the bad entries and messages logged");
    }
}
