using System.Diagnostics;
using System.Globalization;
using SocketIoChat.LoadGenerator;

// Load generator for Socket.IO servers (Engine.IO v4 / Socket.IO v5 over WebSocket or polling).
// Prints one JSON line of results on stdout; progress goes to stderr.
var options = Options.Parse(args);
var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var clock = Stopwatch.StartNew();

Result result = options.Scenario switch
{
    "echo" => await Scenarios.EchoAsync(options),
    "polling-echo" => await Scenarios.PollingEchoAsync(options),
    "broadcast" => await Scenarios.BroadcastAsync(options),
    "idle" => await Scenarios.IdleAsync(options),
    "connrate" => await Scenarios.ConnectRateAsync(options),
    "smoke" => await Scenarios.SmokeAsync(options),
    _ => throw new ArgumentException($"unknown scenario {options.Scenario}: echo, polling-echo, broadcast, idle, connrate, smoke"),
};

process.Refresh();
var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds / Environment.ProcessorCount;
Console.WriteLine(result.ToJson(options, cpu));
return result.Ok ? 0 : 1;

namespace SocketIoChat.LoadGenerator
{
    /// <summary>Command-line options: <c>scenario --url U [--clients N] [--seconds S] [--messages M] [--server-pid P] [--nsp /bench]</c>.</summary>
    internal sealed record Options(string Scenario, Uri Url, int Clients, double Seconds, int Messages, int ServerPid, string Namespace)
    {
        public static Options Parse(string[] args)
        {
            if (args.Length == 0)
            {
                throw new ArgumentException("usage: loadgen <scenario> --url http://127.0.0.1:PORT [--clients N] [--seconds S] [--messages M] [--server-pid P] [--nsp /bench]");
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
                Get("nsp", "/bench"));
        }
    }

    /// <summary>What a scenario measured.</summary>
    internal sealed record Result(bool Ok, double Rate, string Unit, double P50Ms = double.NaN, double P99Ms = double.NaN, double Extra = double.NaN, string ExtraName = "", string Error = "")
    {
        public string ToJson(Options o, double generatorCpu)
        {
            static string N(double v) => double.IsNaN(v) ? "null" : v.ToString("0.###", CultureInfo.InvariantCulture);
            var extra = ExtraName.Length > 0 ? $",\"{ExtraName}\":{N(Extra)}" : "";
            var error = Error.Length > 0 ? $",\"error\":{System.Text.Json.JsonSerializer.Serialize(Error)}" : "";
            return $"{{\"scenario\":\"{o.Scenario}\",\"ok\":{(Ok ? "true" : "false")},\"clients\":{o.Clients},\"rate\":{N(Rate)},\"unit\":\"{Unit}\",\"p50_ms\":{N(P50Ms)},\"p99_ms\":{N(P99Ms)}{extra},\"generator_cpu\":{N(generatorCpu)}{error}}}";
        }
    }
}
