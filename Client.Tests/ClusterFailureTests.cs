using System.Diagnostics;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// A cluster losing a member or its Redis: a server that stops answering (a frozen Node process
/// stays counted by Redis) makes requests end at their timeout instead of hanging; a killed one
/// leaves the count; a Redis restarted while broadcasts flow is rejoined without a restart of ours.
/// </summary>
public sealed class ClusterFailureTests
{
    private static readonly TimeSpan RequestsTimeout = TimeSpan.FromSeconds(2);

    private static Task<TestServer> StartOursAsync(RedisServer redis, string id) =>
        TestServer.StartAsync("conformance", "--redis", redis.Endpoint, "--server-id", id, "--SocketIo:Redis:RequestsTimeout", "00:00:02");

    private static Task WaitForServersAsync(RedisServer redis, int count) =>
        Eventually.Until(() => redis.NumSubAsync("socket.io-request#/probe#"), n => n == count, $"{count} servers subscribed");

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    [Test]
    public async Task Requests_to_a_frozen_server_end_at_their_timeouts_and_a_killed_one_leaves_the_count()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var ours = await StartOursAsync(redis, "ours");
        await using var node = await NodeClusterServer.StartAsync(redis, "node");
        await WaitForServersAsync(redis, 2);
        var probe = ours.Io.Of("/probe");
        await using var client = await SioClient.ConnectAsync(ours, "/probe");

        await SignalAsync(node.Process.Id, "STOP");
        try
        {
            var watch = Stopwatch.StartNew();
            var timeout = Assert.ThrowsAsync<TimeoutException>(() => probe.FetchSocketsAsync().Within());
            Assert.That(timeout!.Message, Is.EqualTo("timeout reached while waiting for fetchSockets response"));
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(RequestsTimeout - TimeSpan.FromMilliseconds(100)), "it waited for the frozen server");
            Assert.ThrowsAsync<TimeoutException>(() => probe.Adapter.AllRoomsAsync().Within());
            var emit = Assert.ThrowsAsync<TimeoutException>(() => probe.ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(1), "question").Within());
            Assert.That(emit!.Message, Is.EqualTo("timeout reached: only 0 responses received out of 1"));
            // The frozen server never reports its client count: the answer of our own client only, at the timeout.
            var ask = probe.Timeout(TimeSpan.FromSeconds(1)).EmitWithAckAsync("question");
            var (ackId, name, _) = await client.NextEventAsync().Within();
            Assert.That(name, Is.EqualTo("question"));
            await client.AckAsync(ackId, "[\"mine\"]");
            var result = await ask.Within();
            Assert.That((result.Complete, result.Responses.Count), Is.EqualTo((false, 1)));
            Assert.That((await client.CommandAsync("servers", "1000")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[]"), "the probe's servers: [] when the time runs out");
        }
        finally
        {
            await SignalAsync(node.Process.Id, "CONT");
        }

        await node.KillAsync();
        await WaitForServersAsync(redis, 1);
        var alone = await probe.FetchSocketsAsync().Within(TimeSpan.FromSeconds(1));
        Assert.That(alone.Select(s => s.Id), Is.EqualTo(new[] { client.Id }), "only the live server is asked, and at once");
    }

    [Test]
    public async Task After_Redis_restarts_under_load_broadcasts_and_requests_cross_the_cluster_again()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var a = await StartOursAsync(redis, "a");
        await using var b = await StartOursAsync(redis, "b");
        await WaitForServersAsync(redis, 2);
        await using var onB = await SioClient.ConnectAsync(b, "/probe");
        var fromA = a.Io.Of("/probe");

        // A broadcasts to B's client all along, before, during and after the restart.
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var sender = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                fromA.To(onB.Id).Emit("tick", Interlocked.Increment(ref sent));
                await Task.Delay(10);
            }
        });
        Assert.That((await onB.NextEventAsync().Within()).Name, Is.EqualTo("tick"), "ticks flow before the restart");

        await redis.RestartAsync();
        var restartedAt = Volatile.Read(ref sent);

        // The adapters reconnect and subscribe again by themselves: later ticks arrive again, in order.
        var last = 0;
        await Eventually.Until(async () =>
        {
            var (_, name, args) = await onB.NextEventAsync().Within();
            Assert.That(name, Is.EqualTo("tick"));
            var n = (int)args[0];
            Assert.That(n, Is.GreaterThan(last), "ticks keep their order (some are lost while Redis is away)");
            last = n;
            return n;
        }, n => n > restartedAt + 10, "ticks sent after the restart arrive", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await sender;

        await WaitForServersAsync(redis, 2);
        var everyone = await fromA.FetchSocketsAsync().Within();
        Assert.That(everyone.Select(s => s.Id), Does.Contain(onB.Id), "requests cross the cluster again");
    }
}
