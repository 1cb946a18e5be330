using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The activity source <c>SocketIoChat.SocketIo</c> seen through an <see cref="ActivityListener"/>
/// while socket.io-client 4.x (npm) talks to the server: a span per handler run and per connection
/// middleware run, parented on the W3C trace context of the handshake, failed when a handler throws.
/// </summary>
public sealed class TracingTests
{
    private const string Nsp = "/traced";
    private const string ClassNsp = "/traced-class";
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ParentSpanId = "b7ad6b7169203331";
    private const string TraceParent = $"00-{TraceId}-{ParentSpanId}-01";

    private readonly ConcurrentQueue<Activity> _stopped = new();
    private ActivityListener _listener = null!;

    [SetUp]
    public void Listen()
    {
        _stopped.Clear(); // one fixture instance runs every case
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SocketIoTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [TearDown]
    public void StopListening() => _listener.Dispose();

    [TestCase("websocket")]
    [TestCase("polling")]
    public async Task Each_handled_event_is_a_span_under_the_trace_context_the_client_gave_in_its_auth(string transport)
    {
        await using var server = await StartAsync();

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = Nsp, transport, auth = new { traceparent = TraceParent } } },
            steps = new object[]
            {
                // No ack asked: the handler never answers, it throws.
                new { client = "a", emit = "boom" },
                new { client = "a", emit = "fine", ack = true, label = "fine" },
            },
        });
        Assert.That(outcome["results"]!["fine"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"ok\"]"));

        var fine = await StoppedAsync(a => Tag(a, "socketio.event") == "fine");
        var boom = await StoppedAsync(a => Tag(a, "socketio.event") == "boom");
        foreach (var span in new[] { fine, boom })
        {
            Assert.That(span.OperationName, Is.EqualTo(SocketIoTelemetry.EventActivityName));
            Assert.That(span.TraceId.ToHexString(), Is.EqualTo(TraceId), "the client's trace");
            Assert.That(span.ParentSpanId.ToHexString(), Is.EqualTo(ParentSpanId), "the client's span is the parent");
            Assert.That(Tag(span, "socketio.namespace"), Is.EqualTo(Nsp));
            Assert.That(Tag(span, "socketio.socket.id"), Is.Not.Null.And.Not.Empty);
            Assert.That(span.Kind, Is.EqualTo(ActivityKind.Server));
        }
        Assert.That(fine.DisplayName, Is.EqualTo($"{Nsp} fine"));
        Assert.That(fine.Status, Is.EqualTo(ActivityStatusCode.Unset));
        // The async handler threw after its first await: the span ends failed, once the handler has.
        Assert.That(boom.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(boom.StatusDescription, Is.EqualTo("kaput"));
        Assert.That(Tag(boom, "error.type"), Is.EqualTo(typeof(InvalidOperationException).FullName));
        Assert.That(boom.Events.Select(e => e.Name), Does.Contain("exception"));
        Assert.That(boom.Duration, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(40)), "the span lasted as long as the handler");
    }

    [Test]
    public async Task The_traceparent_header_of_the_handshake_request_is_the_parent_too()
    {
        await using var server = await StartAsync();

        await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = Nsp, transport = "polling", headers = new Dictionary<string, string> { ["traceparent"] = TraceParent } } },
            steps = new object[] { new { client = "a", emit = "fine", ack = true, label = "fine" } },
        });

        var span = await StoppedAsync(a => Tag(a, "socketio.event") == "fine");
        Assert.That(span.TraceId.ToHexString(), Is.EqualTo(TraceId));
        Assert.That(span.ParentSpanId.ToHexString(), Is.EqualTo(ParentSpanId));
    }

    [Test]
    public async Task A_refusing_connection_middleware_ends_a_failed_connect_span()
    {
        await using var server = await StartAsync();

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new
            {
                welcome = new { @namespace = Nsp, auth = new { traceparent = TraceParent } },
                refused = new { @namespace = Nsp, auth = new { refuse = true } },
            },
            steps = Array.Empty<object>(),
        });
        Assert.That((string?)outcome["connect"]!["refused"]!["message"], Is.EqualTo("not you"));

        var connects = await StoppedAsync(a => a.OperationName == SocketIoTelemetry.ConnectActivityName, count: 2);
        var welcome = connects.Single(a => a.TraceId.ToHexString() == TraceId);
        var refused = connects.Single(a => a != welcome);
        Assert.That(welcome.Status, Is.EqualTo(ActivityStatusCode.Unset));
        Assert.That(welcome.DisplayName, Is.EqualTo($"{Nsp} connect"));
        Assert.That(refused.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(refused.StatusDescription, Is.EqualTo("not you"));
    }

    [Test]
    public async Task A_class_based_handler_that_throws_or_gets_a_wrong_argument_fails_its_span_although_the_client_is_answered()
    {
        await using var server = await StartAsync();

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = ClassNsp } },
            steps = new object[]
            {
                new { client = "a", emit = "explode", ack = true, label = "explode" },
                new { client = "a", emit = "double", args = new object[] { "two" }, ack = true, label = "bad" },
                new { client = "a", emit = "double", args = new object[] { 21 }, ack = true, label = "good" },
            },
        });
        Assert.That((string?)outcome["results"]!["explode"]![0]!["error"], Is.EqualTo("internal_error"));
        Assert.That((string?)outcome["results"]!["bad"]![0]!["error"], Is.EqualTo("bad_request"));

        var explode = await StoppedAsync(a => Tag(a, "socketio.event") == "explode");
        var doubles = await StoppedAsync(a => Tag(a, "socketio.event") == "double", count: 2);
        Assert.That(explode.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(explode.StatusDescription, Is.EqualTo("no luck"));
        Assert.That(doubles.Select(a => a.Status), Is.EquivalentTo(new[] { ActivityStatusCode.Error, ActivityStatusCode.Unset }));
    }

    private static string? Tag(Activity activity, string key) => activity.GetTagItem(key) as string;

    private async Task<Activity> StoppedAsync(Func<Activity, bool> match) => (await StoppedAsync(match, 1))[0];

    private async Task<Activity[]> StoppedAsync(Func<Activity, bool> match, int count)
    {
        Activity[] found = [];
        await Eventually.True(() => (found = [.. _stopped.Where(match)]).Length >= count, $"{count} matching span(s) stopped");
        Assert.That(found, Has.Length.EqualTo(count));
        return found;
    }

    private static Task<TestServer> StartAsync() =>
        TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo().AddNamespace<ClassNamespace>(),
            app => app.MapSocketIo(configure: io => io.Of(Nsp)
                .Use(socket => socket.Auth["refuse"] is null ? Task.CompletedTask : throw new SocketIoConnectionException("not you"))
                .OnConnection(socket =>
                {
                    socket.On("fine", e => e.Ack("ok"));
                    socket.On("boom", async e =>
                    {
                        await Task.Delay(50);
                        throw new InvalidOperationException("kaput");
                    });
                })));

    [SocketIoNamespace(ClassNsp)]
    internal sealed class ClassNamespace : NamespaceHandler
    {
        [SocketIoEvent("explode")]
        public async Task<int> ExplodeAsync()
        {
            await Task.Yield();
            throw new InvalidOperationException("no luck");
        }

        [SocketIoEvent("double")]
        public int Double(int value) => value * 2;
    }
}
