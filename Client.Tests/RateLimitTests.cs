using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// <c>[RateLimit]</c> on class-based namespaces: a limiter per socket and policy use, refused events
/// not run and answered with <c>rate_limited</c>, replenishment, disposal at disconnect.
/// </summary>
public sealed class RateLimitTests
{
    private TestServer _server = null!;
    private LimiterCensus _census = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _census = new LimiterCensus();
        _server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo()
                .AddNamespace<LimitedNamespace>()
                .AddNamespace<BucketNamespace>()
                .AddRateLimiter(options => options
                    .AddFixedWindowLimiter("three per minute", o =>
                    {
                        o.PermitLimit = 3;
                        o.Window = TimeSpan.FromMinutes(1);
                    })
                    .AddFixedWindowLimiter("one per 300 ms", o =>
                    {
                        o.PermitLimit = 1;
                        o.Window = TimeSpan.FromMilliseconds(300);
                    })
                    .AddTokenBucketLimiter("bucket of four", o =>
                    {
                        o.TokenLimit = 4;
                        o.TokensPerPeriod = 4;
                        o.ReplenishmentPeriod = TimeSpan.FromMinutes(1);
                    })
                    .AddPolicy("counted", _ => _census.Create())),
            app => app.MapSocketIo());
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task A_burst_beyond_the_limit_is_refused_with_rate_limited_and_each_socket_has_its_own_limiter()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/limited" }, b = new { @namespace = "/limited" } },
            steps = new object[]
            {
                new { client = "a", emit = "shout", args = new object[] { "hey" }, ack = true, repeat = 5, label = "a" },
                new { client = "a", emit = "shout", args = new object[] { "no ack" } },
                new { client = "a", wait = SocketIoErrors.EventName, label = "refusedWithoutAck" },
                new { client = "a", emit = "talk", ack = true, label = "unlimited" },
                new { client = "b", emit = "shout", args = new object[] { "ho" }, ack = true, repeat = 4, label = "b" },
            },
        });
        var results = outcome["results"]!;
        var a = ((JArray)results["a"]!).Select(answer => answer[0]!).ToArray();
        Assert.That(a.Take(3).Select(x => (string?)x), Is.EqualTo(new[] { "HEY 1", "HEY 2", "HEY 3" }));
        foreach (var refused in a.Skip(3))
        {
            Assert.That((string?)refused["error"], Is.EqualTo("rate_limited"));
            Assert.That((string?)refused["event"], Is.EqualTo("shout"));
            Assert.That((long?)refused["retryAfterMs"], Is.GreaterThan(0).And.LessThanOrEqualTo(60_000));
        }
        Assert.That((string?)results["refusedWithoutAck"]![0]!["error"], Is.EqualTo("rate_limited"));
        // Refused events did not run: the next permitted handler call would have counted them.
        Assert.That(results["unlimited"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"talked after 3 shouts\"]"));
        var b = ((JArray)results["b"]!).Select(answer => answer[0]!).ToArray();
        Assert.That(b.Take(3).Select(x => (string?)x), Is.EqualTo(new[] { "HO 1", "HO 2", "HO 3" }));
        Assert.That((string?)b[3]["error"], Is.EqualTo("rate_limited"));
    }

    [Test]
    public async Task A_class_level_limiter_is_shared_by_every_event_of_the_socket()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/bucket" } },
            steps = new object[]
            {
                new { client = "a", emit = "left", ack = true, repeat = 2, label = "left" },
                new { client = "a", emit = "right", ack = true, repeat = 3, label = "right" },
            },
        });
        var left = ((JArray)outcome["results"]!["left"]!).Select(answer => answer[0]!.ToString()).ToArray();
        var right = ((JArray)outcome["results"]!["right"]!).Select(answer => answer[0]!).ToArray();
        Assert.That(left, Is.EqualTo(new[] { "left", "left" }));
        Assert.That(right.Take(2).Select(x => (string?)x), Is.EqualTo(new[] { "right", "right" }));
        Assert.That((string?)right[2]["error"], Is.EqualTo("rate_limited"));
        Assert.That((string?)right[2]["event"], Is.EqualTo("right"));
    }

    [Test]
    public async Task A_refused_event_is_permitted_again_once_the_window_has_passed()
    {
        // One permit per 300 ms, asked for every 50 ms for 3 s: refusals, then permits again.
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/limited" } },
            steps = new object[] { new { client = "a", emit = "tick", ack = true, repeat = 60, intervalMs = 50, label = "ticks" } },
        });
        var permitted = ((JArray)outcome["results"]!["ticks"]!).Select(answer => answer[0]!.Type == JTokenType.Integer).ToArray();
        Assert.That(permitted[0], Is.True);
        var firstRefusal = Array.IndexOf(permitted, false);
        Assert.That(firstRefusal, Is.GreaterThan(0), "the second tick within 300 ms is refused");
        Assert.That(permitted.Skip(firstRefusal).Count(p => p), Is.GreaterThan(0), "a later tick is permitted again");
    }

    [Test]
    public async Task A_sockets_limiters_are_disposed_when_it_disconnects()
    {
        var created = _census.Created;
        await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/limited" } },
            steps = new object[]
            {
                new { client = "a", emit = "counted", ack = true, repeat = 2, label = "counted" },
                new { client = "a", disconnect = true },
            },
        });
        Assert.That(_census.Created, Is.EqualTo(created + 1), "one limiter for the socket, made on first use");
        await Eventually.True(() => _census.Disposed == _census.Created, "the limiter is disposed at disconnect");
    }

    [SocketIoNamespace("/limited")]
    internal sealed class LimitedNamespace : NamespaceHandler
    {
        [SocketIoEvent("shout")]
        [RateLimit("three per minute")]
        public string Shout(string text)
        {
            var count = Socket.Data.TryGetValue("shouts", out var n) ? (int)n! + 1 : 1;
            Socket.Data["shouts"] = count;
            return $"{text.ToUpperInvariant()} {count}";
        }

        [SocketIoEvent("talk")]
        public string Talk() => $"talked after {(Socket.Data.TryGetValue("shouts", out var n) ? n : 0)} shouts";

        [SocketIoEvent("tick")]
        [RateLimit("one per 300 ms")]
        public long Tick() => Environment.TickCount64;

        [SocketIoEvent("counted")]
        [RateLimit("counted")]
        public bool Counted() => true;
    }

    [SocketIoNamespace("/bucket")]
    [RateLimit("bucket of four")]
    internal sealed class BucketNamespace : NamespaceHandler
    {
        [SocketIoEvent("left")]
        public string Left() => "left";

        [SocketIoEvent("right")]
        public string Right() => "right";
    }

    /// <summary>Makes concurrency limiters and counts how many were made and disposed.</summary>
    internal sealed class LimiterCensus
    {
        private int _created;
        private int _disposed;

        public int Created => Volatile.Read(ref _created);

        public int Disposed => Volatile.Read(ref _disposed);

        public RateLimiter Create()
        {
            Interlocked.Increment(ref _created);
            return new CountedLimiter(this);
        }

        private sealed class CountedLimiter(LimiterCensus census) : RateLimiter
        {
            private readonly ConcurrencyLimiter _inner = new(new ConcurrencyLimiterOptions { PermitLimit = 10 });

            public override TimeSpan? IdleDuration => _inner.IdleDuration;

            public override RateLimiterStatistics? GetStatistics() => _inner.GetStatistics();

            protected override RateLimitLease AttemptAcquireCore(int permitCount) => _inner.AttemptAcquire(permitCount);

            protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
                _inner.AcquireAsync(permitCount, cancellationToken);

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                    Interlocked.Increment(ref census._disposed);
                }
                base.Dispose(disposing);
            }
        }
    }
}
