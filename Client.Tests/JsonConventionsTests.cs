using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json.Serialization;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// C# values as socket.io-client 4.x (npm) receives them: camelCase property names by default, as
/// ASP.NET Core writes JSON, on every path a C# object takes (handler return value, ack, emit,
/// broadcast, connect error data), and <c>SocketIoOptions.JsonSerializerSettings</c> changing it.
/// </summary>
public sealed class JsonConventionsTests
{
    private static readonly DateTimeOffset Sent = new(2026, 12, 6, 4, 30, 0, TimeSpan.Zero);

    [Test]
    public async Task A_returned_Task_of_a_record_arrives_camelCase_and_typed_parameters_bind_camelCase_json()
    {
        await using var server = await StartAsync(configure: null);

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = "/json" } },
            steps = new object[]
            {
                new { client = "a", emit = "send", args = new object[] { new JObject { ["roomName"] = "lobby", ["priority"] = 3 } }, ack = true, label = "receipt" },
            },
        });

        var receipt = (JObject)outcome["results"]!["receipt"]![0]!;
        Assert.That(receipt.Properties().Select(p => p.Name), Is.EqualTo(new[] { "messageId", "sentAt", "roomName", "priority", "headers", "Legacy_Name" }));
        Assert.That((string?)receipt["messageId"], Is.EqualTo("m-1"));
        Assert.That(DateTimeOffset.Parse((string)receipt["sentAt"]!, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(Sent));
        // The camelCase JSON the client sent was bound to the record's PascalCase parameters.
        Assert.That((string?)receipt["roomName"], Is.EqualTo("lobby"));
        Assert.That((int)receipt["priority"]!, Is.EqualTo(3));
        // Dictionary keys are data, not member names: they stay as they are.
        Assert.That(((JObject)receipt["headers"]!).Properties().Select(p => p.Name), Is.EqualTo(new[] { "X-Trace", "UPPER" }));
    }

    [Test]
    public async Task Objects_emitted_to_one_socket_broadcast_and_acknowledged_by_hand_are_camelCase_too()
    {
        await using var server = await StartAsync(configure: null);

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = "/json" } },
            steps = new object[]
            {
                new { client = "a", emit = "emit me", label = "direct" },
                new { client = "a", wait = "direct", label = "direct" },
                new { client = "a", wait = "broadcast", label = "broadcast" },
                new { client = "a", emit = "ack by hand", ack = true, label = "manual" },
            },
        });

        var results = (JObject)outcome["results"]!;
        foreach (var label in new[] { "direct", "broadcast", "manual" })
        {
            Assert.That(((JObject)results[label]![0]!).Properties().Select(p => p.Name), Is.EqualTo(new[] { "kind", "itemCount" }), label);
        }
    }

    [Test]
    public async Task Connect_error_data_given_as_an_object_is_camelCase()
    {
        await using var server = await StartAsync(configure: null);

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = "/json", auth = new { refuse = true } } },
            steps = Array.Empty<object>(),
        });

        Assert.That(outcome["connect"]!["a"]!.ToString(Formatting.None),
            Is.EqualTo("{\"message\":\"refused\",\"data\":{\"reasonCode\":\"not_today\",\"retryAfterSeconds\":5}}"));
    }

    [Test]
    public async Task The_serializer_settings_option_changes_the_names_for_every_path()
    {
        // What an application migrating from PascalCase JSON would set.
        await using var server = await StartAsync(o => o.JsonSerializerSettings.ContractResolver = new DefaultContractResolver());

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new
            {
                a = new { @namespace = "/json" },
                refused = new { @namespace = "/json", auth = new { refuse = true } },
            },
            steps = new object[]
            {
                new { client = "a", emit = "send", args = new object[] { new JObject { ["roomName"] = "lobby", ["priority"] = 1 } }, ack = true, label = "receipt" },
                new { client = "a", emit = "emit me", label = "direct" },
                new { client = "a", wait = "direct", label = "direct" },
                new { client = "a", wait = "broadcast", label = "broadcast" },
                new { client = "a", emit = "ack by hand", ack = true, label = "manual" },
            },
        });

        var results = (JObject)outcome["results"]!;
        Assert.That(((JObject)results["receipt"]![0]!).Properties().Select(p => p.Name),
            Is.EqualTo(new[] { "MessageId", "SentAt", "RoomName", "Priority", "Headers", "Legacy_Name" }));
        // Reading stays case-insensitive, so camelCase input still binds.
        Assert.That((string?)results["receipt"]![0]!["RoomName"], Is.EqualTo("lobby"));
        foreach (var label in new[] { "direct", "broadcast", "manual" })
        {
            Assert.That(((JObject)results[label]![0]!).Properties().Select(p => p.Name), Is.EqualTo(new[] { "Kind", "ItemCount" }), label);
        }
        Assert.That(outcome["connect"]!["refused"]!["data"]!.ToString(Formatting.None), Is.EqualTo("{\"ReasonCode\":\"not_today\",\"RetryAfterSeconds\":5}"));
    }

    [Test]
    public async Task Arg_of_T_reads_with_the_servers_settings()
    {
        // Snake case both ways: only a server that reads with its own settings binds "room_name".
        await using var server = await StartAsync(o => o.JsonSerializerSettings.ContractResolver =
            new DefaultContractResolver { NamingStrategy = new SnakeCaseNamingStrategy() });

        var outcome = await NodeSteps.RunAsync(server, new
        {
            clients = new { a = new { @namespace = "/json" } },
            steps = new object[]
            {
                new { client = "a", emit = "room of", args = new object[] { new JObject { ["room_name"] = "garden", ["priority"] = 2 } }, ack = true, label = "room" },
            },
        });

        Assert.That(outcome["results"]!["room"]!.ToString(Formatting.None), Is.EqualTo("[{\"room_name\":\"garden\",\"priority\":2}]"));
    }

    private static Task<TestServer> StartAsync(Action<SocketIoOptions>? configure) =>
        TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(configure).AddNamespace<JsonNamespace>(),
            app => app.MapSocketIo(configure: io => io.Of("/json").Use(socket =>
                socket.Auth["refuse"] is null
                    ? Task.CompletedTask
                    : throw new SocketIoConnectionException("refused", new { ReasonCode = "not_today", RetryAfterSeconds = 5 }))));

    /// <summary>What a client sends to <c>send</c>.</summary>
    internal sealed record Draft(string RoomName, int Priority);

    /// <summary>A handler's answer, with a dictionary and an explicitly named member.</summary>
    internal sealed record Receipt(string MessageId, DateTimeOffset SentAt, string RoomName, int Priority, Dictionary<string, int> Headers,
        [property: JsonProperty("Legacy_Name")] bool Legacy);

    internal sealed record Summary(string Kind, int ItemCount);

    [SocketIoNamespace("/json")]
    internal sealed class JsonNamespace : NamespaceHandler
    {
        [SocketIoEvent("send")]
        public async Task<Receipt> SendAsync(Draft draft)
        {
            await Task.Yield();
            return new Receipt("m-1", Sent, draft.RoomName, draft.Priority, new() { ["X-Trace"] = 1, ["UPPER"] = 2 }, Legacy: true);
        }

        [SocketIoEvent("emit me")]
        public void EmitMe()
        {
            Socket.Emit("direct", new Summary("direct", 1));
            Namespace.Emit("broadcast", new Summary("broadcast", 2));
        }

        [SocketIoEvent("ack by hand")]
        public void AckByHand(SocketEvent e) => e.Ack(new Summary("manual", 3));

        [SocketIoEvent("room of")]
        public JObject RoomOf(SocketEvent e)
        {
            var draft = e.Arg<Draft>(0)!;
            return new JObject { ["room_name"] = draft.RoomName, ["priority"] = draft.Priority };
        }
    }
}
