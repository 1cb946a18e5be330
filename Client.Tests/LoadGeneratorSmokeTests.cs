using SocketIoChat.LoadGenerator;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The benchmark profile and the load generator agree on the protocol: every scenario at toy size,
/// for correctness only (benchmarks themselves never run in the test suite).
/// </summary>
public sealed class LoadGeneratorSmokeTests
{
    [TestCase("/")]
    [TestCase("/bench")]
    public async Task Every_scenario_runs_against_the_bench_profile(string nsp)
    {
        await using var server = await TestServer.StartAsync("bench");
        var options = new Options("smoke", new Uri(server.Url), 2, 1, 20, 0, nsp);
        var result = await Scenarios.SmokeAsync(options).Within(TimeSpan.FromSeconds(60));
        Assert.That(result.Ok, Is.True, result.ToJson(options, 0, double.NaN));
    }

    [Test]
    public async Task Idle_connections_are_measured_from_the_server_process()
    {
        await using var server = await TestServer.StartAsync("bench");
        var options = new Options("idle", new Uri(server.Url), 20, 1, 1, Environment.ProcessId, "/");
        var result = await Scenarios.IdleAsync(options).Within(TimeSpan.FromSeconds(60));
        Assert.That(result.Ok && result.Unit == "KiB/conn" && !double.IsNaN(result.Rate), Is.True, result.ToJson(options, 0, double.NaN));
    }

    [Test]
    public void Server_CPU_time_is_read_from_the_process_stat_file()
    {
        // This test process has run code by now, so its user + system time is above zero ticks.
        Assert.That(ServerCpu.Ticks(Environment.ProcessId), Is.GreaterThan(0));
        Assert.That(ServerCpu.Ticks(0), Is.Zero, "no pid given: nothing to read");
    }
}
