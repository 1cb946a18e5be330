using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The host process as operators see it: <c>/healthz</c> (the Socket.IO server and, with
/// <c>--redis</c>, the Redis connection) and OpenTelemetry exported over OTLP when configured.
/// </summary>
public sealed class HostObservabilityTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Test]
    public async Task The_health_endpoint_says_healthy_and_turns_unhealthy_when_the_Redis_of_the_cluster_is_gone()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await HostProcess.StartAsync("--redis", redis.Endpoint);

        var (status, body) = await GetAsync(host.Url + "/healthz");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(body, Is.EqualTo("Healthy"));

        await redis.StopAsync();
        var down = await Eventually.Until(() => GetAsync(host.Url + "/healthz"), r => r.Status == HttpStatusCode.ServiceUnavailable, "/healthz reports the lost Redis");
        Assert.That(down.Body, Is.EqualTo("Unhealthy"));
    }

    [Test]
    public async Task A_host_without_a_cluster_is_healthy()
    {
        await using var host = await HostProcess.StartAsync();

        var (status, body) = await GetAsync(host.Url + "/healthz");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task With_an_OTLP_endpoint_configured_the_event_spans_reach_the_collector_in_the_clients_trace()
    {
        await using var collector = await FakeCollector.StartAsync();
        await using var host = await HostProcess.StartAsync(
            "--OTEL_EXPORTER_OTLP_ENDPOINT", collector.Url,
            "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY", "200");
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        var script = new
        {
            clients = new { a = new { @namespace = "/test", auth = new { traceparent = $"00-{traceId}-00f067aa0ba902b7-01" } } },
            steps = new object[]
            {
                new { client = "a", wait = "my response", label = "greeting" },
                new { client = "a", emit = "my event", args = new object[] { new { data = "traced" } } },
                new { client = "a", wait = "my response", label = "echo" },
            },
        };
        var outcome = await NodeRunner.RunJsonAsync(["steps.mjs", host.Url, "-"], JsonConvert.SerializeObject(script));
        Assert.That((string?)outcome["results"]!["echo"]![0]!["data"], Is.EqualTo("traced"));

        // OTLP/protobuf carries names as UTF-8 and the trace id as its 16 raw bytes.
        var wanted = Convert.FromHexString(traceId);
        await Eventually.True(
            () => collector.Traces.Any(t => Contains(t, Encoding.UTF8.GetBytes("socketio.event")) && Contains(t, Encoding.UTF8.GetBytes("my event")) && Contains(t, wanted)),
            "an export with the span of \"my event\" in the client's trace");
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>An OTLP/HTTP endpoint that keeps what it is sent.</summary>
    private sealed class FakeCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeCollector(WebApplication app) => _app = app;

        public ConcurrentQueue<byte[]> Traces { get; } = new();

        public string Url => _app.Urls.First();

        public static async Task<FakeCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var collector = new FakeCollector(app);
            app.MapPost("/v1/traces", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                collector.Traces.Enqueue(body.ToArray());
                return Results.Ok();
            });
            app.MapPost("/v1/metrics", () => Results.Ok());
            await app.StartAsync();
            return collector;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
