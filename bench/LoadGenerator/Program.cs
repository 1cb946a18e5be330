using System.Diagnostics;
using System.Globalization;
using SocketIoChat.LoadGenerator;

// Load generator for Socket.IO servers (Engine.IO v4 / Socket.IO v5 over WebSocket or polling).
// Prints one JSON line of results on stdout; progress goes to stderr.
var options = Options.Parse(args);
var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var serverTicksBefore = options.ServerPids.Sum(ServerCpu.Ticks);
var clock = Stopwatch.StartNew();

Result result = options.Scenario switch
{
    "echo" => await Scenarios.EchoAsync(options),
    "polling-echo" => await Scenarios.PollingEchoAsync(options),
    "broadcast" => await Scenarios.BroadcastAsync(options),
    "cluster-broadcast" => await Scenarios.ClusterBroadcastAsync(options),
    "idle" => await Scenarios.IdleAsync(options),
    "connrate" => await Scenarios.ConnectRateAsync(options),
    "storm" => await Scenarios.StormAsync(options),
    "smoke" => await Scenarios.SmokeAsync(options),
    _ => throw new ArgumentException($"unknown scenario {options.Scenario}: echo, polling-echo, broadcast, cluster-broadcast, idle, connrate, storm, smoke"),
};

process.Refresh();
var elapsed = clock.Elapsed.TotalSeconds;
var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / elapsed / Environment.ProcessorCount;
// With several servers (a cluster), their CPU added up.
var serverCpu = options.ServerPid > 0 ? ServerCpu.Seconds(options.ServerPids.Sum(ServerCpu.Ticks) - serverTicksBefore) / elapsed / Environment.ProcessorCount : double.NaN;
Console.WriteLine(result.ToJson(options, cpu, serverCpu));
return result.Ok ? 0 : 1;

namespace SocketIoChat.LoadGenerator
{
    /// <summary>
    /// Command-line options: <c>scenario --url U [--url2 U2] [--clients N] [--seconds S] [--messages M]
    /// [--server-pid P] [--server-pid2 P2] [--nsp /bench] [--hold S]</c>; <c>--url2</c> and <c>--server-pid2</c> name a
    /// second server of a cluster; <c>--hold</c> keeps idle's connections open S seconds after measuring (for a heap dump), and is storm's idle time.
    /// </summary>
    internal sealed record Options(string Scenario, Uri Url, int Clients, double Seconds, int Messages, int ServerPid, string Namespace, Uri? Url2 = null, int ServerPid2 = 0, double Hold = 0)
    {
        /// <summary>The server processes whose CPU a run reports.</summary>
        public int[] ServerPids => ServerPid2 > 0 ? [ServerPid, ServerPid2] : [ServerPid];

        public static Options Parse(string[] args)
        {
            if (args.Length == 0)
            {
                throw new ArgumentException("usage: loadgen <scenario> --url http://127.0.0.1:PORT [--url2 http://127.0.0.1:PORT2] [--clients N] [--seconds S] [--messages M] [--server-pid P] [--server-pid2 P2] [--nsp /bench] [--hold S]");
            }
            string Get(string name, string fallback)
            {
                var i = Array.IndexOf(args, "--" + name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
            }
            return new Options(
                args[0],
                new Uri(Get("url", "http://127.0.0.1:3000")),
                int.Parse(Get("clients", "50"), CultureInfo.InvariantCulture),
                double.Parse(Get("seconds", "10"), CultureInfo.InvariantCulture),
                int.Parse(Get("messages", "1000"), CultureInfo.InvariantCulture),
                int.Parse(Get("server-pid", "0"), CultureInfo.InvariantCulture),
                Get("nsp", "/bench"),
                Get("url2", "") is { Length: > 0 } url2 ? new Uri(url2) : null,
                int.Parse(Get("server-pid2", "0"), CultureInfo.InvariantCulture),
                double.Parse(Get("hold", "0"), CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// CPU time of the server process from <c>/proc/PID/stat</c> (user + system), so a run can say how
    /// much CPU each server spent, not only how fast it went: on a saturated 2-core machine the
    /// throughput ratio is mostly the ratio of CPU spent per operation.
    /// </summary>
    internal static class ServerCpu
    {
        private const double TicksPerSecond = 100; // USER_HZ on Linux

        public static long Ticks(int pid)
        {
            if (pid <= 0 || !File.Exists($"/proc/{pid}/stat"))
            {
                return 0;
            }
            // The command name (field 2) may hold spaces; the numeric fields start after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        public static double Seconds(long ticks) => ticks / TicksPerSecond;
    }

    /// <summary>What a scenario measured.</summary>
    internal sealed record Result(bool Ok, double Rate, string Unit, double P50Ms = double.NaN, double P99Ms = double.NaN, double Extra = double.NaN, string ExtraName = "", string Error = "")
    {
        public string ToJson(Options o, double generatorCpu, double serverCpu)
        {
            static string N(double v) => double.IsNaN(v) ? "null" : v.ToString("0.###", CultureInfo.InvariantCulture);
            var extra = ExtraName.Length > 0 ? $",\"{ExtraName}\":{N(Extra)}" : "";
            var error = Error.Length > 0 ? $",\"error\":{System.Text.Json.JsonSerializer.Serialize(Error)}" : "";
            return $"{{\"scenario\":\"{o.Scenario}\",\"ok\":{(Ok ? "true" : "false")},\"clients\":{o.Clients},\"rate\":{N(Rate)},\"unit\":\"{Unit}\",\"p50_ms\":{N(P50Ms)},\"p99_ms\":{N(P99Ms)}{extra},\"generator_cpu\":{N(generatorCpu)},\"server_cpu\":{N(serverCpu)}{error}}}";
        }
    }
}
