using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Class-based namespaces: handler methods bound by event name, typed parameters from the event's
/// arguments, services from DI, the return value as the acknowledgement, lifecycle overrides.
/// </summary>
public sealed class NamespaceHandlerTests
{
    private TestServer _server = null!;
    private Journal _journal = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartLibraryAsync(
            builder =>
            {
                builder.Services.AddSingleton<Journal>();
                builder.Services.AddSingleton<Greeter>();
                builder.Services.AddSocketIo().AddNamespace<CalculatorNamespace>();
            },
            app => app.MapSocketIo());
        _journal = _server.App.Services.GetRequiredService<Journal>();
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Typed_parameters_are_bound_from_the_arguments_and_the_return_value_is_the_ack()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/calc" } },
            steps = new object[]
            {
                new { client = "a", emit = "add numbers", args = new object[] { 2, 40 }, ack = true, label = "add" },
                new { client = "a", emit = "greet", args = new object[] { new { name = "Ada", age = 36 } }, ack = true, label = "greet" },
                new { client = "a", emit = "sum all", args = new object[] { new[] { 1, 2, 3 } }, ack = true, label = "sumDefault" },
                new { client = "a", emit = "sum all", args = new object[] { new[] { 1, 2, 3 }, 10 }, ack = true, label = "sumFactor" },
                new { client = "a", emit = "reverse bytes", args = new object[] { new Dictionary<string, string> { ["$binary"] = Convert.ToBase64String([1, 2, 3]) } }, ack = true, label = "bytes" },
            },
        });
        var results = (JObject)outcome["results"]!;
        Assert.That(results["add"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[42]"));
        // A DI service by type and by [FromServices], and the CancellationToken, alongside a typed object.
        Assert.That(results["greet"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[{\"message\":\"Hello, Ada!\",\"nextAge\":37,\"live\":true}]"));
        // A missing argument takes the parameter's default value.
        Assert.That(results["sumDefault"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[6]"));
        Assert.That(results["sumFactor"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[60]"));
        // Binary arrives as byte[] and a byte[] return value goes back as binary.
        Assert.That(results["bytes"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[{\"$binary\":\"AwIB\"}]"));
    }

    [Test]
    public async Task Events_wait_for_OnConnectedAsync_which_gets_constructor_injected_services()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/calc" } },
            steps = new object[]
            {
                // Sent at once: OnConnectedAsync is still awaiting when it arrives.
                new { client = "a", emit = "ready?", ack = true, label = "ready" },
                new { client = "a", wait = "welcome", label = "welcome" },
            },
        });
        Assert.That(outcome["results"]!["ready"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[true]"));
        Assert.That(outcome["results"]!["welcome"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"Hello, /calc!\"]"));
    }

    [Test]
    public async Task Events_that_waited_for_OnConnectedAsync_run_in_the_order_they_arrived()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/calc" } },
            steps = Enumerable.Range(0, 20).Select(i => (object)new { client = "a", emit = "notify", args = new object[] { $"n{i}" } })
                .Concat(Enumerable.Range(0, 20).Select(i => new { client = "a", wait = "notified", label = $"r{i}" }))
                .ToArray(),
        });
        var received = Enumerable.Range(0, 20).Select(i => (string?)outcome["results"]![$"r{i}"]![0]).ToArray();
        Assert.That(received, Is.EqualTo(Enumerable.Range(0, 20).Select(i => $"n{i}").ToArray()));
    }

    [Test]
    public void Mistakes_in_a_namespace_class_fail_at_startup()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddSocketIo().AddNamespace<UnknownPolicyNamespace>().AddNamespace<DuplicateNamespace>();
        using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapSocketIo());
        Assert.That(error!.Message, Does.Contain("\"nope\""));
    }

    [Test]
    public async Task Each_event_gets_a_new_instance_and_a_void_method_acknowledges_its_completion_without_arguments()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/calc" } },
            steps = new object[]
            {
                new { client = "a", emit = "instance", ack = true, repeat = 2, label = "instances" },
                new { client = "a", emit = "notify", args = new object[] { "with ack" }, ack = true, label = "voidAck" },
                new { client = "a", emit = "notify", args = new object[] { "no ack" } },
                new { client = "a", wait = "notified", label = "first" },
                new { client = "a", wait = "notified", label = "second" },
            },
        });
        var instances = ((JArray)outcome["results"]!["instances"]!).Select(a => (int)a[0]!).ToArray();
        Assert.That(instances[1], Is.Not.EqualTo(instances[0]));
        Assert.That(outcome["results"]!["voidAck"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[]"));
        Assert.That((string?)outcome["results"]!["first"]![0], Is.EqualTo("with ack"));
        Assert.That((string?)outcome["results"]!["second"]![0], Is.EqualTo("no ack"));
    }

    [Test]
    public async Task A_bad_argument_or_a_failing_handler_answers_with_an_error_and_the_socket_stays_usable()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/calc" } },
            steps = new object[]
            {
                new { client = "a", emit = "add numbers", args = new object[] { "two", 2 }, ack = true, label = "badAck" },
                new { client = "a", emit = "add numbers", args = new object[] { "two", 2 } },
                new { client = "a", wait = SocketIoErrors.EventName, label = "badEvent" },
                new { client = "a", emit = "fail", ack = true, label = "failed" },
                new { client = "a", emit = "add numbers", args = new object[] { 1, 1 }, ack = true, label = "after" },
            },
        });
        var results = outcome["results"]!;
        Assert.That((string?)results["badAck"]![0]!["error"], Is.EqualTo("bad_request"));
        Assert.That((string?)results["badAck"]![0]!["event"], Is.EqualTo("add numbers"));
        Assert.That((string?)results["badAck"]![0]!["message"], Does.Contain("(a)"));
        Assert.That((string?)results["badEvent"]![0]!["error"], Is.EqualTo("bad_request"));
        Assert.That(results["failed"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[{\"error\":\"internal_error\",\"event\":\"fail\"}]"));
        Assert.That(results["after"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[2]"));
    }

    [Test]
    public async Task OnDisconnectedAsync_runs_with_the_reason_when_the_client_leaves()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { a = new { @namespace = "/calc" } },
            steps = new object[]
            {
                new { client = "a", emit = "my id", ack = true, label = "id" },
                new { client = "a", disconnect = true },
            },
        });
        var id = (string)outcome["results"]!["id"]![0]!;
        await Eventually.True(() => _journal.Disconnects.ContainsKey(id), "OnDisconnectedAsync for " + id);
        Assert.That(_journal.Disconnects[id], Is.EqualTo("client namespace disconnect"));
    }

    [SocketIoNamespace("/unknown-policy")]
    internal sealed class UnknownPolicyNamespace : NamespaceHandler
    {
        [SocketIoEvent("x")]
        [RateLimit("nope")]
        public void X()
        {
        }
    }

    [SocketIoNamespace("/duplicate")]
    internal sealed class DuplicateNamespace : NamespaceHandler
    {
        [SocketIoEvent("same")]
        public void A()
        {
        }

        [SocketIoEvent("same")]
        public void B()
        {
        }
    }

    internal sealed record Person(string Name, int Age);

    internal sealed record Greeting(string Message, int NextAge, bool Live);

    internal sealed class Greeter
    {
        public string Greet(string name) => $"Hello, {name}!";
    }

    internal sealed class Journal
    {
        private int _instances;

        public int NextInstance() => Interlocked.Increment(ref _instances);

        public System.Collections.Concurrent.ConcurrentDictionary<string, string> Disconnects { get; } = new();
    }

    [SocketIoNamespace("/calc")]
    internal sealed class CalculatorNamespace(Journal journal, Greeter greeter) : NamespaceHandler
    {
        private readonly int _instance = journal.NextInstance();

        public override async Task OnConnectedAsync()
        {
            // Long enough that an event sent right after connecting arrives while this still runs.
            await Task.Delay(200);
            Socket.Data["ready"] = true;
            Socket.Emit("welcome", greeter.Greet(Namespace.Name));
        }

        public override Task OnDisconnectedAsync(string reason)
        {
            journal.Disconnects[Socket.Id] = reason;
            return Task.CompletedTask;
        }

        [SocketIoEvent("add numbers")]
        public int Add(int a, int b) => a + b;

        [SocketIoEvent("greet")]
        public async Task<Greeting> GreetAsync(Person person, Greeter byType, [FromServices] Journal byAttribute, CancellationToken disconnected)
        {
            await Task.Yield();
            _ = byAttribute;
            return new Greeting(byType.Greet(person.Name), person.Age + 1, !disconnected.IsCancellationRequested);
        }

        [SocketIoEvent("sum all")]
        public ValueTask<long> SumAsync(int[] values, int factor = 1) => ValueTask.FromResult((long)values.Sum() * factor);

        [SocketIoEvent("reverse bytes")]
        public byte[] Reverse(byte[] data) => [.. data.Reverse()];

        [SocketIoEvent("ready?")]
        public bool Ready() => Socket.Data.TryGetValue("ready", out var ready) && ready is true;

        [SocketIoEvent("instance")]
        public int Instance() => _instance;

        [SocketIoEvent("notify")]
        public void Notify(string text, Socket socket) => socket.Emit("notified", text);

        [SocketIoEvent("fail")]
        public void Fail() => throw new InvalidOperationException("handler exploded");

        [SocketIoEvent("my id")]
        public string MyId(SocketEvent e) => e.Socket.Id;
    }
}
