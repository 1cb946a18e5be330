using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The real npm socket.io-client 4.8.4, run by Node.js (<c>node/scenario.mjs</c>), against our
/// server over each transport mode. The script records what the client saw; the assertions are here.
/// The older generations run through the same script in <see cref="NodeClientGenerationsTests"/>.
/// </summary>
public sealed class NodeClientTests
{
    /// <summary>
    /// websocket and polling pin the client to one transport; default is what applications get:
    /// polling first, then the upgrade to WebSocket.
    /// </summary>
    public static readonly string[] TransportModes = ["websocket", "polling", "default"];

    // Every byte value, so no encoding step can quietly alter one.
    internal static readonly byte[] AllByteValues = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];

    [TestCaseSource(nameof(TransportModes))]
    public async Task A_client_of_the_test_namespace_is_greeted_with_Connected(string mode)
    {
        await using var server = await TestServer.StartAsync("default");

        var seen = await RunScenarioAsync(server, mode, "greeting");

        AssertJson(seen["greeting"], new JArray(new JObject { ["data"] = "Connected" }));
        if (mode != "default")
        {
            Assert.That((string?)seen["transport"], Is.EqualTo(mode), "the client stayed on the transport it was pinned to");
        }
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task My_event_is_answered_to_the_sender_only(string mode)
    {
        await using var server = await TestServer.StartAsync("default");

        var seen = await RunScenarioAsync(server, mode, "myEvent", new JObject { ["data"] = "only for me", ["marker"] = "marker" });

        // The other client's list ends with the marker the sender broadcast after its "my event":
        // a reply wrongly sent to it would have arrived before the marker.
        AssertJson(seen["sender"], Responses("Connected", "only for me", "marker"));
        AssertJson(seen["other"], Responses("Connected", "marker"));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task My_broadcast_event_reaches_every_client_including_the_sender(string mode)
    {
        await using var server = await TestServer.StartAsync("default");

        var seen = await RunScenarioAsync(server, mode, "broadcast", new JObject { ["data"] = "to everyone" });

        AssertJson(seen["first"], Responses("Connected", "to everyone"));
        AssertJson(seen["second"], Responses("Connected", "to everyone"));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Echo_ack_answers_the_clients_acknowledgement_with_its_arguments(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var args = new JArray("text", 42, 1.5, true, JValue.CreateNull(), new JObject { ["nested"] = new JArray(1, "two") });

        var seen = await RunScenarioAsync(server, mode, "echoAck", new JObject { ["args"] = args });

        AssertJson(seen["ack"], args);
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Echo_with_an_acknowledgement_is_answered_through_the_ack_instead_of_an_event(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var args = new JArray("ping", new JObject { ["n"] = 7 });

        var seen = await RunScenarioAsync(server, mode, "echoWithAck", new JObject { ["args"] = args });

        AssertJson(seen["ack"], args);
        Assert.That((int)seen["echoEventsBeforeAck"]!, Is.Zero, "the server answered with an \"echo\" event as well");
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task The_server_receives_the_answer_to_an_acknowledgement_it_asked_the_client_for(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var answer = AskOnConnect(server, "/acks", "question", 7, new JObject { ["text"] = "中文 😀" });

        var seen = await RunScenarioAsync(server, mode, "serverAck", new JObject { ["namespace"] = "/acks" });

        var expected = new JArray("question", 7, new JObject { ["text"] = "中文 😀" });
        AssertJson(await answer.Within(), expected);
        // One "ask" with those arguments (JArray's constructor would copy, not nest, an array).
        AssertJson(seen["asked"], new JArray { expected });
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task The_client_can_answer_a_server_acknowledgement_with_binary(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var answer = AskOnConnect(server, "/acks", AllByteValues, "after the bytes");

        var seen = await RunScenarioAsync(server, mode, "serverAck", new JObject { ["namespace"] = "/acks" });

        var reply = await answer.Within();
        Assert.That(reply, Has.Count.EqualTo(2));
        Assert.That(reply[0].Type, Is.EqualTo(JTokenType.Bytes), "the answer's first argument is binary on the server");
        Assert.That((byte[])reply[0]!, Is.EqualTo(AllByteValues));
        Assert.That((string?)reply[1], Is.EqualTo("after the bytes"));
        AssertJson(seen["asked"], new JArray { new JArray(Binary(AllByteValues), "after the bytes") });
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Binary_at_the_top_level_echoes_back_byte_for_byte(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var args = new JArray(Binary(AllByteValues), "between", Binary([]), Binary([42]));

        var seen = await RunScenarioAsync(server, mode, "echo", new JObject { ["args"] = args });

        AssertJson(seen["echoed"], args);
        Assert.That(BytesOf(seen["echoed"]![0]!), Is.EqualTo(AllByteValues));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Binary_nested_in_objects_and_arrays_echoes_back_byte_for_byte(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        byte[] second = [0xFF, 0x00, 0xFE, 0x01];
        var args = new JArray(new JObject
        {
            ["file"] = new JObject { ["name"] = "a.bin", ["content"] = Binary(AllByteValues) },
            ["parts"] = new JArray(Binary(second), "text", new JArray(Binary(AllByteValues))),
        });

        var seen = await RunScenarioAsync(server, mode, "echo", new JObject { ["args"] = args });

        AssertJson(seen["echoed"], args);
        var echoed = seen["echoed"]![0]!;
        Assert.That(BytesOf(echoed["file"]!["content"]!), Is.EqualTo(AllByteValues));
        Assert.That(BytesOf(echoed["parts"]![0]!), Is.EqualTo(second));
        Assert.That(BytesOf(echoed["parts"]![2]![0]!), Is.EqualTo(AllByteValues));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task A_large_binary_payload_echoes_back_byte_for_byte(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        // Large enough to span many WebSocket frames and polling reads, well under the 1 MB limit.
        var large = new byte[300_000];
        new Random(4).NextBytes(large);

        var seen = await RunScenarioAsync(server, mode, "echo", new JObject { ["args"] = new JArray(Binary(large)) });

        Assert.That(BytesOf(seen["echoed"]![0]!), Is.EqualTo(large));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Binary_in_an_acknowledgement_comes_back_byte_for_byte(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var args = new JArray(Binary(AllByteValues), new JObject { ["inner"] = Binary([1, 2, 3]) });

        var seen = await RunScenarioAsync(server, mode, "echoAck", new JObject { ["args"] = args });

        AssertJson(seen["ack"], args);
        Assert.That(BytesOf(seen["ack"]![0]!), Is.EqualTo(AllByteValues));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Non_ASCII_text_round_trips_unchanged(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        var args = new JArray("中文", "😀", new JObject { ["键"] = "值 🎉 café", ["list"] = new JArray("𝄞", "ü") });

        var echoed = await RunScenarioAsync(server, mode, "echo", new JObject { ["args"] = args });
        var acked = await RunScenarioAsync(server, mode, "echoAck", new JObject { ["args"] = args });
        var replied = await RunScenarioAsync(server, mode, "myEvent", new JObject { ["data"] = "你好 👋", ["marker"] = "标记" });

        AssertJson(echoed["echoed"], args);
        AssertJson(acked["ack"], args);
        AssertJson(replied["sender"], Responses("Connected", "你好 👋", "标记"));
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task A_burst_of_events_sent_while_connecting_comes_back_complete_and_in_order(string mode)
    {
        await using var server = await TestServer.StartAsync("default");
        const int count = 200;

        var seen = await RunScenarioAsync(server, mode, "burst", new JObject { ["count"] = count });

        // The same arguments the script sent: the index, and every tenth time a small binary.
        var expected = new JArray(Enumerable.Range(0, count).Select(i => i % 10 == 0
            ? new JArray(i, Binary([(byte)(i % 256), 1, 2]))
            : new JArray(i)));
        AssertJson(seen["echoes"], expected);
    }

    [Test]
    public async Task The_default_client_upgrades_to_websocket_and_events_still_flow_afterwards()
    {
        await using var server = await TestServer.StartAsync("default");

        var seen = await RunScenarioAsync(server, "default", "upgrade", new JObject { ["data"] = "after the upgrade" });

        Assert.Multiple(() =>
        {
            Assert.That((string?)seen["transportAtOpen"], Is.EqualTo("polling"));
            Assert.That((string?)seen["upgradeEventTransport"], Is.EqualTo("websocket"));
            Assert.That((string?)seen["engineTransportAfterUpgrade"], Is.EqualTo("websocket"));
            Assert.That((string?)seen["transport"], Is.EqualTo("websocket"));
        });
        AssertJson(seen["responses"], Responses("Connected", "after the upgrade"));
    }

    /// <summary>
    /// Adds <paramref name="namespaceName"/>, which asks each connecting client <c>ask</c> with
    /// <paramref name="args"/> and an acknowledgement, then emits <c>done</c> so the script can end.
    /// The task is the client's answer as the server decoded it.
    /// </summary>
    private static Task<JArray> AskOnConnect(TestServer server, string namespaceName, params object?[] args)
    {
        var answer = new TaskCompletionSource<JArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Io.Of(namespaceName).OnConnection(async socket =>
        {
            try
            {
                answer.TrySetResult(await socket.EmitWithAckAsync(Eventually.Limit, "ask", args));
            }
            catch (Exception ex)
            {
                // Kept for the test to rethrow: a failed handler would otherwise only be logged.
                answer.TrySetException(ex);
            }
            socket.Emit("done");
        });
        return answer.Task;
    }

    private static Task<JObject> RunScenarioAsync(TestServer server, string mode, string scenario, JObject? input = null) =>
        // The input goes through stdin: large payloads would not fit on a command line.
        NodeRunner.RunJsonAsync(
            ["scenario.mjs", "socket.io-client", server.Url, mode, scenario, "-"],
            (input ?? []).ToString(Formatting.None));

    internal static JArray Responses(params string[] data) =>
        new(data.Select(d => new JObject { ["data"] = d }));

    /// <summary>The script's stand-in for a Buffer; see <c>node/scenario.mjs</c>.</summary>
    internal static JObject Binary(byte[] bytes) => new() { ["$binary"] = Convert.ToBase64String(bytes) };

    internal static byte[] BytesOf(JToken marker)
    {
        Assert.That(marker is JObject { Count: 1 } && marker["$binary"]?.Type == JTokenType.String,
            $"expected a Buffer as {{\"$binary\": …}}, got {marker.ToString(Formatting.None)}");
        return Convert.FromBase64String((string)marker["$binary"]!);
    }

    internal static void AssertJson(JToken? actual, JToken expected) =>
        Assert.That(actual?.ToString(Formatting.None), Is.EqualTo(expected.ToString(Formatting.None)));
}
