using System.Diagnostics;
using System.Net;
using System.Text;

namespace SocketIoChat.LoadGenerator;

/// <summary>The benchmark scenarios. Each connects its own clients and reports one <see cref="Result"/>.</summary>
internal static class Scenarios
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    private static byte[] EchoPayload(string nsp) =>
        Encoding.UTF8.GetBytes($"42{Prefix(nsp)}[\"echo\",{{\"n\":42,\"text\":\"hello from the load generator\"}}]");

    private static string Prefix(string nsp) => nsp == "/" ? "" : nsp + ",";

    private static byte[] ReplyPrefix(string nsp, string eventName) => Encoding.UTF8.GetBytes($"42{Prefix(nsp)}[\"{eventName}\"");

    /// <summary>Connects <paramref name="count"/> peers, at most <paramref name="parallel"/> at a time.</summary>
    private static async Task<WsPeer[]> ConnectManyAsync(Options o, int count, string nsp, int parallel, CancellationToken cancellation)
    {
        var peers = new WsPeer[count];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(parallel, count)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                peers[i] = await WsPeer.ConnectAsync(o.Url, nsp, cancellation);
            }
        });
        await Task.WhenAll(workers);
        return peers;
    }

    private static async Task CloseAllAsync(IEnumerable<WsPeer> peers)
    {
        await Task.WhenAll(peers.Select(p => p.CloseAsync()));
        foreach (var peer in peers)
        {
            await peer.DisposeAsync();
        }
    }

    private static (double P50, double P99) Percentiles(List<long>[] perClient)
    {
        var all = perClient.SelectMany(l => l).ToArray();
        if (all.Length == 0)
        {
            return (double.NaN, double.NaN);
        }
        Array.Sort(all);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return (Ms(all[(int)(all.Length * 0.50)]), Ms(all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]));
    }

    /// <summary>C clients in a closed loop: send <c>echo</c>, wait for the reply.</summary>
    public static async Task<Result> EchoAsync(Options o)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds + 60));
        var peers = await ConnectManyAsync(o, o.Clients, o.Namespace, 50, limit.Token);
        var frame = WsPeer.ClientFrame(EchoPayload(o.Namespace));
        var reply = ReplyPrefix(o.Namespace, "echo");
        var latencies = peers.Select(_ => new List<long>(1 << 16)).ToArray();
        var measureFrom = Stopwatch.GetTimestamp() + (long)(Warmup.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(o.Seconds * Stopwatch.Frequency);
        await Task.WhenAll(peers.Select(async (peer, index) =>
        {
            var mine = latencies[index];
            long now;
            while ((now = Stopwatch.GetTimestamp()) < measureTo)
            {
                await peer.SendAsync(frame, limit.Token);
                ReadOnlyMemory<byte> message;
                do
                {
                    message = await peer.ReceiveAsync(limit.Token);
                    if (message.IsEmpty)
                    {
                        throw new InvalidOperationException("server closed the connection");
                    }
                }
                while (!message.Span.StartsWith(reply));
                if (now >= measureFrom)
                {
                    mine.Add(Stopwatch.GetTimestamp() - now);
                }
            }
        }));
        var (p50, p99) = Percentiles(latencies);
        var total = latencies.Sum(l => l.Count);
        await CloseAllAsync(peers);
        return new Result(total > 0, total / o.Seconds, "msg/s", p50, p99);
    }

    /// <summary>The echo loop over HTTP long-polling.</summary>
    public static async Task<Result> PollingEchoAsync(Options o)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds + 60));
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var peers = new PollingPeer[o.Clients];
        for (var i = 0; i < peers.Length; i++)
        {
            peers[i] = new PollingPeer(http, o.Url);
            await peers[i].ConnectAsync(o.Namespace, limit.Token);
        }
        var frame = EchoPayload(o.Namespace);
        var reply = $"42{Prefix(o.Namespace)}[\"echo\"";
        var latencies = peers.Select(_ => new List<long>(1 << 14)).ToArray();
        var measureFrom = Stopwatch.GetTimestamp() + (long)(Warmup.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(o.Seconds * Stopwatch.Frequency);
        await Task.WhenAll(peers.Select(async (peer, index) =>
        {
            long now;
            while ((now = Stopwatch.GetTimestamp()) < measureTo)
            {
                await peer.PostAsync(frame, limit.Token);
                await peer.PollUntilAsync(reply, limit.Token);
                if (now >= measureFrom)
                {
                    latencies[index].Add(Stopwatch.GetTimestamp() - now);
                }
            }
        }));
        var (p50, p99) = Percentiles(latencies);
        var total = latencies.Sum(l => l.Count);
        return new Result(total > 0, total / o.Seconds, "msg/s", p50, p99);
    }

    /// <summary>C receivers; one sender emits M <c>bcast</c> events that the server sends to all others.</summary>
    public static async Task<Result> BroadcastAsync(Options o)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var receivers = await ConnectManyAsync(o, o.Clients, o.Namespace, 50, limit.Token);
        return await MeasureBroadcastAsync(o, receivers, limit.Token);
    }

    /// <summary>
    /// Two servers of a cluster (<c>--url</c>, <c>--url2</c>): C receivers split between them, the
    /// sender on the first; every <c>bcast</c> crosses the cluster to the second server's half.
    /// </summary>
    public static async Task<Result> ClusterBroadcastAsync(Options o)
    {
        var second = o.Url2 ?? throw new ArgumentException("cluster-broadcast needs --url2");
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var receivers = await ConnectManyAsync(o, o.Clients / 2, o.Namespace, 50, limit.Token);
        var others = await ConnectManyAsync(o with { Url = second }, o.Clients - o.Clients / 2, o.Namespace, 50, limit.Token);
        return await MeasureBroadcastAsync(o, [.. receivers, .. others], limit.Token);
    }

    private static async Task<Result> MeasureBroadcastAsync(Options o, WsPeer[] receivers, CancellationToken cancellation)
    {
        var sender = await WsPeer.ConnectAsync(o.Url, o.Namespace, cancellation);
        var prefix = ReplyPrefix(o.Namespace, "bcast");
        var remaining = receivers.Length;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiving = receivers.Select(async peer =>
        {
            var count = 0;
            while (count < o.Messages)
            {
                var message = await peer.ReceiveAsync(cancellation);
                if (message.IsEmpty)
                {
                    throw new InvalidOperationException("server closed a receiver");
                }
                if (message.Span.StartsWith(prefix))
                {
                    count++;
                }
            }
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                allDone.TrySetResult();
            }
        }).ToArray();
        var frames = Enumerable.Range(0, o.Messages)
            .Select(i => WsPeer.ClientFrame(Encoding.UTF8.GetBytes($"42{Prefix(o.Namespace)}[\"bcast\",{{\"i\":{i},\"text\":\"news for everyone\"}}]")))
            .ToArray();
        var clock = Stopwatch.StartNew();
        foreach (var frame in frames)
        {
            await sender.SendAsync(frame, cancellation);
        }
        // Whichever ends first: all counted, or a receiver failed (its exception surfaces here).
        await await Task.WhenAny(allDone.Task, Task.WhenAll(receiving));
        var elapsed = clock.Elapsed.TotalSeconds;
        await CloseAllAsync([.. receivers, sender]);
        return new Result(true, (double)o.Clients * o.Messages / elapsed, "deliveries/s", Extra: elapsed * 1000, ExtraName: "all_delivered_ms");
    }

    /// <summary>N idle WebSocket connections: the server's resident memory per connection.</summary>
    public static async Task<Result> IdleAsync(Options o)
    {
        if (o.ServerPid == 0)
        {
            throw new ArgumentException("idle needs --server-pid");
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        // Warm the server up (JIT, pools) so the baseline is not the cold process.
        await CloseAllAsync(await ConnectManyAsync(o, 200, "/", 50, limit.Token));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = ResidentKiB(o.ServerPid);
        var peers = await ConnectManyAsync(o, o.Clients, "/", 100, limit.Token);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = ResidentKiB(o.ServerPid);
        await Task.Delay(TimeSpan.FromSeconds(o.Hold));
        await CloseAllAsync(peers);
        var perConnection = (after - before) / (double)o.Clients;
        return new Result(true, perConnection, "KiB/conn", Extra: after / 1024.0, ExtraName: "server_rss_mib");
    }

    private static long ResidentKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            }
        }
        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>Connect, handshake, join a namespace, disconnect — in a loop from C workers.</summary>
    public static async Task<Result> ConnectRateAsync(Options o)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds + 60));
        var measureFrom = Stopwatch.GetTimestamp() + (long)(Warmup.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(o.Seconds * Stopwatch.Frequency);
        var counts = new int[o.Clients];
        await Task.WhenAll(Enumerable.Range(0, o.Clients).Select(async worker =>
        {
            long now;
            while ((now = Stopwatch.GetTimestamp()) < measureTo)
            {
                var peer = await WsPeer.ConnectAsync(o.Url, o.Namespace, limit.Token);
                await peer.CloseAsync();
                await peer.DisposeAsync();
                if (now >= measureFrom)
                {
                    counts[worker]++;
                }
            }
        }));
        return new Result(true, counts.Sum() / o.Seconds, "conn/s");
    }

    /// <summary>
    /// A connection storm (docs/reliability.md): --messages cycles of connect, join, close from
    /// --clients workers; the server's RSS after the first tenth of them, after all of them, and
    /// after --hold seconds with nothing connected. The rate is the last over the first: how much
    /// of what the storm took the server kept.
    /// </summary>
    public static async Task<Result> StormAsync(Options o)
    {
        if (o.ServerPid == 0)
        {
            throw new ArgumentException("storm needs --server-pid");
        }
        var started = 0;
        var completed = 0;
        var tenth = o.Messages / 10;
        var tenthReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var workers = Enumerable.Range(0, o.Clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref started) <= o.Messages)
            {
                var peer = await WsPeer.ConnectAsync(o.Url, o.Namespace, limit.Token);
                await peer.CloseAsync();
                await peer.DisposeAsync();
                // Counted on completion, so exactly one worker sees the tenth.
                if (Interlocked.Increment(ref completed) == tenth)
                {
                    tenthReached.TrySetResult();
                }
            }
        }).ToList();
        await Task.WhenAny(tenthReached.Task, Task.WhenAll(workers));
        var afterTenth = ResidentKiB(o.ServerPid);
        Console.Error.WriteLine($"storm: {tenth} cycles, server RSS {afterTenth / 1024.0:0.0} MiB");
        await Task.WhenAll(workers);
        var afterAll = ResidentKiB(o.ServerPid);
        Console.Error.WriteLine($"storm: {o.Messages} cycles, server RSS {afterAll / 1024.0:0.0} MiB; idle for {o.Hold} s");
        await Task.Delay(TimeSpan.FromSeconds(o.Hold));
        var idle = ResidentKiB(o.ServerPid);
        Console.Error.WriteLine($"storm: after {o.Hold} s idle, server RSS {idle / 1024.0:0.0} MiB ({idle / (double)afterTenth:0.000} of the first tenth)");
        return new Result(true, idle / (double)afterTenth, "rss_idle/rss_tenth", Extra: idle / 1024.0, ExtraName: "server_rss_mib");
    }

    /// <summary>A few seconds of every scenario at toy sizes: checks the generator and the server agree.</summary>
    public static async Task<Result> SmokeAsync(Options o)
    {
        var small = o with { Clients = 2, Seconds = 1, Messages = 20 };
        var results = new[]
        {
            await EchoAsync(small),
            await PollingEchoAsync(small with { Clients = 1 }),
            await BroadcastAsync(small with { Clients = 3 }),
            await ConnectRateAsync(small),
        };
        return new Result(results.All(r => r.Ok && r.Rate > 0), results.Length, "scenarios");
    }
}
