using Microsoft.AspNetCore.Builder;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Typed emits (SignalR's <c>Hub&lt;T&gt;</c>): an interface of client events, called through
/// <c>NamespaceHandler&lt;T&gt;.Clients</c> or <c>socket.As&lt;T&gt;()</c>, reaching socket.io-client 4.x
/// as the events it names; a <c>Task&lt;T&gt;</c> method returning the client's acknowledgement.
/// </summary>
public sealed class TypedEventsTests
{
    [Test]
    public async Task Interface_calls_reach_the_caller_the_others_a_room_and_everyone_and_Task_of_T_returns_the_clients_ack()
    {
        await using var server = await StartAsync();

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new
            {
                bob = new { @namespace = "/game" },
                ada = new { @namespace = "/game", answers = new Dictionary<string, object[]> { ["your name?"] = ["Ada Lovelace"] } },
            },
            steps = new object[]
            {
                new { client = "bob", emit = "sit", args = new object[] { "table-1" }, ack = true, label = "bobSat" },
                new { client = "ada", emit = "join", args = new object[] { "Ada" }, ack = true, label = "joined" },
                new { client = "bob", wait = "player joined", label = "bobSaw" },
                new { client = "ada", wait = "Scored", label = "adaScored" },
                new { client = "bob", wait = "table", label = "bobTable" },
                new { client = "ada", wait = "table", label = "adaTable" },
                new { client = "bob", wait = "announcement", label = "bobAll" },
                new { client = "ada", wait = "announcement", label = "adaAll" },
            },
        });

        var results = (JObject)outcome["results"]!;
        // The name the client gave in its acknowledgement, through the Task<string> method.
        Assert.That(results["joined"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"welcome, Ada Lovelace\"]"));
        Assert.That(results["bobSaw"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"Ada\",0]"), "Others: not the caller");
        Assert.That(results["adaScored"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[{\"player\":\"Ada\",\"points\":10}]"), "Caller, with the method name as event and camelCase JSON");
        Assert.That(results["bobTable"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"Ada is at table-1\"]"), "Room");
        Assert.That(results["adaTable"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"Ada is at table-1\"]"));
        Assert.That(results["bobAll"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"game on\"]"), "All, through Namespace.As<T>()");
        Assert.That(results["adaAll"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"game on\"]"));
        Assert.That(NodeSteps.EventNames(outcome, "ada"), Does.Not.Contain("player joined"), "Others left the caller out");
    }

    [Test]
    public async Task The_lambda_style_emits_through_socket_As_of_T()
    {
        await using var server = await StartAsync();

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = "/lambda" } },
            steps = new object[] { new { client = "a", wait = "Scored", label = "scored" } },
        });

        Assert.That(outcome["results"]!["scored"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[{\"player\":\"you\",\"points\":1}]"));
    }

    [Test]
    public void An_interface_that_cannot_be_emitted_fails_when_the_namespace_is_mapped()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddSocketIo().AddNamespace<BrokenNamespace>();
        using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapSocketIo());

        Assert.That(error!.Message, Is.EqualTo("IBrokenClient.Count: a client event method returns void, Task, or Task<T> (the client's acknowledgement), not Int32."));
    }

    [Test]
    public async Task Waiting_for_an_acknowledgement_from_a_group_is_refused_with_a_clear_message()
    {
        await using var io = new SocketIoServer(Microsoft.Extensions.Options.Options.Create(new SocketIoOptions()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => io.Of("/game").As<IGameClient>().AskName());

        Assert.That(error!.Message, Does.StartWith("IGameClient.AskName waits for one client's acknowledgement"));
    }

    public sealed record Score(string Player, int Points);

    public interface IGameClient
    {
        [SocketIoEvent("player joined")]
        Task PlayerJoined(string name, int score);

        Task Scored(Score score);

        [SocketIoEvent("table")]
        void Table(string text);

        [SocketIoEvent("announcement")]
        Task Announce(string text);

        [SocketIoEvent("your name?")]
        Task<string> AskName();
    }

    public interface IBrokenClient
    {
        int Count();
    }

    [SocketIoNamespace("/game")]
    internal sealed class GameNamespace : NamespaceHandler<IGameClient>
    {
        [SocketIoEvent("sit")]
        public string Sit(string table)
        {
            Socket.Join(table);
            return "seated";
        }

        [SocketIoEvent("join")]
        public async Task<string> JoinAsync(string name)
        {
            Socket.Join("table-1");
            var fullName = await Clients.Caller.AskName();
            await Clients.Others.PlayerJoined(name, 0);
            await Clients.Caller.Scored(new Score(name, 10));
            Clients.Room("table-1").Table($"{name} is at table-1");
            await Namespace.As<IGameClient>().Announce("game on");
            return $"welcome, {fullName}";
        }
    }

    [SocketIoNamespace("/broken")]
    internal sealed class BrokenNamespace : NamespaceHandler<IBrokenClient>
    {
    }

    private static Task<TestServer> StartAsync() =>
        TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo().AddNamespace<GameNamespace>(),
            app => app.MapSocketIo(configure: io => io.Of("/lambda").OnConnection(socket =>
                socket.As<IGameClient>().Scored(new Score("you", 1)))));
}
