using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Fuzzing;

/// <summary>
/// Random and mutated Engine.IO / Socket.IO input (<see cref="FuzzInputs"/>) over WebSocket and
/// long-polling, protocol generations 3 and 4, into the default host (seed app and chat), from
/// several clients at once, while a canary client keeps asking and must keep getting answers.
/// Passing means: no 5xx answer, nothing logged as an error, the canary never left unanswered,
/// a new client served at the end, and every session gone once the fuzzing clients are.
/// One case runs a fixed seed, the other a fresh one printed in the log; <c>FUZZ_SEED</c> replays
/// a seed (the inputs, not their interleaving across clients) and <c>FUZZ_INPUTS</c> sets the
/// count per case (docs/reliability.md has the long run). Both WebSocket paths are fuzzed: taken
/// at the connection (the host's default) and through the request pipeline (the library's).
/// </summary>
[TestFixture("true")]
[TestFixture("false")]
public sealed class FuzzTests(string webSocketsAtConnection)
{
    private static readonly int Workers = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_WORKERS"), CultureInfo.InvariantCulture, out var workers) ? workers : 4;

    private static int InputsPerCase =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_INPUTS"), CultureInfo.InvariantCulture, out var count) ? count : 25_000;

    [Test]
    public Task A_fixed_seed() => RunAsync(20_261_205);

    [Test]
    public Task A_fresh_seed() =>
        RunAsync(int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : Random.Shared.Next());

    private async Task RunAsync(int seed)
    {
        TestContext.Progress.WriteLine($"FuzzTests: seed {seed}, {InputsPerCase} inputs, WebSockets at the connection: {webSocketsAtConnection} (replay with FUZZ_SEED={seed})");
        var logs = new CapturedLogs();
        var database = Path.Combine(Path.GetTempPath(), "socketiochat-tests", $"fuzz-{Guid.NewGuid():N}.db");
        // A short heartbeat, so abandoned sessions go quickly; a generous timeout for the canary's pongs.
        await using var server = await TestServer.StartAsync("default", builder => logs.AttachTo(builder, LogLevel.Warning),
            "--SocketIo:PingInterval", "00:00:01", "--SocketIo:PingTimeout", "00:00:10", "--Chat:Database", database,
            "--SocketIo:WebSocketsAtConnection", webSocketsAtConnection);
        using var metrics = new MetricsCollector(server);
        var tally = new Tally();

        await using (var canary = await Canary.StartAsync(server))
        {
            var share = InputsPerCase / Workers;
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => new Worker(server, new FuzzInputs(seed * Workers + w), tally).RunAsync(share))));
            var answered = await canary.StopAsync();
            TestContext.Progress.WriteLine($"FuzzTests: {tally}; the canary was answered {answered} times");
            Assert.That(answered, Is.GreaterThan(0), "the canary was answered");
        }

        Assert.That(tally.ServerErrors, Is.Empty, "answers with a 5xx status");
        var errors = logs.Errors.Take(10).ToList();
        Assert.That(errors, Is.Empty, "lines logged as errors");

        // A new client is served as ever.
        var (socket, answer) = await RawSocketIo.ConnectAsync(server, "/test");
        await using (socket)
        {
            Assert.That(answer, Does.StartWith("40/test,"));
            Assert.That(await socket.ReceiveTextSkippingPingsAsync(), Does.Contain("Connected"));
        }
        await Eventually.True(() => metrics.Sum("engineio.connections") == 0,
            $"every session gone (now {metrics.Sum("engineio.connections")})", TimeSpan.FromSeconds(60));
    }

    /// <summary>What the fuzzing saw, for the log line and the assertions.</summary>
    private sealed class Tally
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();

        public ConcurrentQueue<string> ServerErrors { get; } = new();

        public void Count(string what) => _counts.AddOrUpdate(what, 1, (_, n) => n + 1);

        public void Status(string what, HttpStatusCode status, string body)
        {
            Count($"{what} {(int)status}");
            if ((int)status >= 500)
            {
                ServerErrors.Enqueue($"{what}: {(int)status} {body}");
            }
        }

        public override string ToString() => string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));
    }

    /// <summary>
    /// One fuzzing client: keeps a WebSocket session and a polling session of a random generation
    /// open and sends inputs into them, opening new ones when the server ends them, and sometimes
    /// opens a connection just to send one handshake or one set of frames.
    /// </summary>
    private sealed class Worker(TestServer server, FuzzInputs inputs, Tally tally)
    {
        private readonly HttpClient _http = new() { Timeout = Eventually.Limit };
        private WireWebSocket? _ws;
        private Task<long>? _wsDrain;
        private int _wsEio;
        private string? _sid;
        private int _pollingEio;

        public async Task RunAsync(int count)
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var roll = inputs.Random.Next(100);
                    if (roll < 45)
                    {
                        await WebSocketMessageAsync();
                    }
                    else if (roll < 55)
                    {
                        await WebSocketOnceAsync();
                    }
                    else if (roll < 90)
                    {
                        await PollingPostAsync();
                    }
                    else
                    {
                        await HandshakeAsync();
                    }
                }
            }
            finally
            {
                await CloseWebSocketAsync();
                _http.Dispose();
            }
        }

        private int Generation() => inputs.Random.Next(3) == 0 ? 3 : 4;

        private async Task WebSocketMessageAsync()
        {
            if (_ws is null || _wsDrain!.IsCompleted)
            {
                await CloseWebSocketAsync();
                _wsEio = Generation();
                _ws = await WireWebSocket.ConnectAsync(server.Url, "/socket.io/?transport=websocket&EIO=" + _wsEio, null);
                tally.Count($"ws{_wsEio} {_ws.Status}");
                _wsDrain = _ws.Status == 101 ? _ws.DrainAsync() : Task.FromResult(0L);
                if (_ws.Status == 101 && inputs.Random.Next(3) != 0)
                {
                    await SendAsync(_ws, ClientFrame.TextFrame(inputs.Pick<string>(_wsEio == 3 ? ["40/test", "40/chat?nickname=fz"] : ["40/test,", "40/chat,{\"nickname\":\"fz\"}", "40"])));
                }
            }
            if (_ws.Status == 101)
            {
                await SendAsync(_ws, inputs.Frames(_wsEio));
            }
        }

        private async Task WebSocketOnceAsync()
        {
            var eio = Generation();
            await using var ws = await WireWebSocket.ConnectAsync(server.Url, "/socket.io/?" + inputs.Query(eio, "websocket"), null);
            tally.Count($"ws-once {ws.Status}");
            if (ws.Status == 101)
            {
                var drain = ws.DrainAsync();
                await SendAsync(ws, inputs.Frames(eio));
                await SendAsync(ws, inputs.Frames(eio));
            }
            else if (ws.Status >= 500)
            {
                tally.ServerErrors.Enqueue($"ws-once: {ws.Status} {ws.Body}");
            }
        }

        private async Task PollingPostAsync()
        {
            if (_sid is null)
            {
                _pollingEio = Generation();
                var (status, body) = await GetAsync("/socket.io/?transport=polling&EIO=" + _pollingEio + (_pollingEio == 3 ? "&b64=1" : ""));
                tally.Status($"poll{_pollingEio}-open", status, body);
                var start = body.IndexOf("\"sid\":\"", StringComparison.Ordinal);
                if (status != HttpStatusCode.OK || start < 0)
                {
                    return;
                }
                _sid = body[(start + 7)..body.IndexOf('"', start + 7)];
            }
            var (content, type) = inputs.PollingBody(_pollingEio);
            using var request = new ByteArrayContent(content);
            request.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            using var response = await _http.PostAsync($"{server.Url}/socket.io/?transport=polling&EIO={_pollingEio}&sid={_sid}", request);
            tally.Status($"poll{_pollingEio}-post", response.StatusCode, await response.Content.ReadAsStringAsync());
            if (response.StatusCode != HttpStatusCode.OK)
            {
                _sid = null;
            }
        }

        private async Task HandshakeAsync()
        {
            var (status, body) = await GetAsync("/socket.io/?" + inputs.Query(Generation(), "polling"));
            tally.Status("handshake", status, body);
        }

        private async Task<(HttpStatusCode, string)> GetAsync(string pathAndQuery)
        {
            using var response = await _http.GetAsync(server.Url + pathAndQuery);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        /// <summary>Sends frames; a connection the server has ended is fine (that is often the point).</summary>
        private static async Task SendAsync(WireWebSocket ws, params ClientFrame[] frames)
        {
            try
            {
                await ws.SendAsync(frames);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // Ended by the server.
            }
        }

        private async Task CloseWebSocketAsync()
        {
            if (_ws is not null)
            {
                await _ws.DisposeAsync();
                await _wsDrain!;
                _ws = null;
            }
        }
    }

    /// <summary>
    /// A well-behaved v4 WebSocket client of the seed app that asks (<c>my event</c>) twice a
    /// second during the fuzzing; each question must be answered (<c>my response</c>) within the
    /// test limit and the connection must stay up.
    /// </summary>
    private sealed class Canary : IAsyncDisposable
    {
        private readonly EngineWebSocket _socket;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<int> _loop;

        private Canary(EngineWebSocket socket)
        {
            _socket = socket;
            _loop = Task.Run(LoopAsync);
        }

        public static async Task<Canary> StartAsync(TestServer server)
        {
            var (socket, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
            await socket.SendAsync("40/test,");
            Assert.That(await socket.NextTextAsync(), Does.StartWith("40/test,"));
            Assert.That(await socket.NextTextAsync(), Does.Contain("Connected"));
            return new Canary(socket);
        }

        /// <summary>Stops asking; returns how many answers came, failing if one did not.</summary>
        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            return await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _socket.DisposeAsync();
            _stop.Dispose();
        }

        private async Task<int> LoopAsync()
        {
            var answered = 0;
            while (!_stop.IsCancellationRequested)
            {
                var question = $"canary {answered}";
                await _socket.SendAsync($"42/test,[\"my event\",{{\"data\":\"{question}\"}}]");
                while (true)
                {
                    // Broadcasts from fuzzing clients reach the canary too: skip them.
                    var text = await _socket.NextTextAsync();
                    if (text.Contains($"\"{question}\"", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                answered++;
                try
                {
                    await Task.Delay(500, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            return answered;
        }
    }
}
