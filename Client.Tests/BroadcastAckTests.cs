using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Broadcasts with acknowledgements (every recipient's answer within a timeout), a socket's ack
/// timeout, and the handler's return value as the ack — with raw clients and socket.io-client 4.x.
/// </summary>
public sealed class BroadcastAckTests
{
    private TestServer _server = null!;
    private Namespace _ns = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _ns = _server.Io.Of("/acks");
        _ns.OnConnection(socket =>
        {
            socket.On("join", e => socket.Join((string)e.Arg(0)!));
            socket.On("sync", e => e.Ack());
            // Asks every other socket of the namespace and answers with what came back.
            socket.On("ask-all", async e =>
            {
                var result = await socket.Broadcast.Timeout(TimeSpan.FromMilliseconds((int)e.Arg(0)!)).EmitWithAckAsync("question", 7);
                return (object?)new JObject
                {
                    ["responses"] = new JArray(result.Responses.Select(r => r[0])),
                    ["complete"] = result.Complete,
                    ["expected"] = result.Expected,
                };
            });
            socket.On("add", async e =>
            {
                await Task.Yield();
                return (object?)((int)e.Arg(0)! + (int)e.Arg(1)!);
            });
            socket.On("add-late", async e =>
            {
                await Task.Delay(50);
                return (object?)((int)e.Arg(0)! * (int)e.Arg(1)!);
            });
            socket.On("ack-twice", async e =>
            {
                e.Ack("explicit");
                await Task.Yield();
                return (object?)"returned";
            });
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private async Task<SioClient[]> ConnectRoomAsync(string room, int count)
    {
        var clients = new SioClient[count];
        for (var i = 0; i < count; i++)
        {
            clients[i] = await SioClient.ConnectAsync(_server, "/acks");
            await clients[i].EmitAsync("join", $"\"{room}\"");
            await clients[i].EmitWithAckAsync("sync");
        }
        return clients;
    }

    /// <summary>Answers the next "question" with <paramref name="answer"/> and returns the asked value.</summary>
    private static async Task<JToken> AnswerAsync(SioClient client, string answer)
    {
        var (id, name, args) = await client.NextEventAsync();
        Assert.That(name, Is.EqualTo("question"));
        Assert.That(id, Is.GreaterThanOrEqualTo(0), "a broadcast with acks asks each client for one");
        await client.AckAsync(id, answer);
        return args[0];
    }

    [Test]
    public async Task Every_recipient_answers_and_the_result_holds_all_answers()
    {
        var c = await ConnectRoomAsync("all-answer", 3);
        var pending = _ns.To("all-answer").Timeout(Eventually.Limit).EmitWithAckAsync("question", 1);
        for (var i = 0; i < c.Length; i++)
        {
            Assert.That((int)(await AnswerAsync(c[i], $"[{i * 10}]")), Is.EqualTo(1));
        }
        var result = await pending.Within();
        Assert.That(result.Complete, Is.True);
        Assert.That(result.Expected, Is.EqualTo(3));
        Assert.That(result.Responses.Select(r => (int)r[0]), Is.EquivalentTo(new[] { 0, 10, 20 }));
        foreach (var client in c)
        {
            await client.DisposeAsync();
        }
    }

    [Test]
    public async Task On_timeout_the_result_holds_the_answers_received_and_is_not_complete()
    {
        var c = await ConnectRoomAsync("one-silent", 3);
        var pending = _ns.To("one-silent").Timeout(TimeSpan.FromSeconds(1)).EmitWithAckAsync("question", 2);
        await AnswerAsync(c[0], "[\"a\"]");
        await AnswerAsync(c[1], "[\"b\"]");
        var (silentId, _, _) = await c[2].NextEventAsync(); // asked, never answers in time
        var result = await pending.Within();
        Assert.That(result.Complete, Is.False);
        Assert.That(result.Expected, Is.EqualTo(3));
        Assert.That(result.Responses.Select(r => (string)r[0]!), Is.EquivalentTo(new[] { "a", "b" }));

        // A late answer changes nothing and breaks nothing: the socket still works.
        await c[2].AckAsync(silentId, "[\"late\"]");
        Assert.That(await c[2].EmitWithAckAsync("sync"), Is.Empty);
        Assert.That(result.Responses, Has.Count.EqualTo(2));
        foreach (var client in c)
        {
            await client.DisposeAsync();
        }
    }

    [Test]
    public async Task A_broadcast_with_acks_to_nobody_completes_at_once_with_no_answers()
    {
        var result = await _ns.To("empty-room").Timeout(TimeSpan.FromSeconds(30)).EmitWithAckAsync("question").Within(TimeSpan.FromSeconds(5));
        Assert.That((result.Complete, result.Expected, result.Responses.Count), Is.EqualTo((true, 0, 0)));
    }

    [Test]
    public async Task A_socket_ack_that_does_not_come_in_time_is_a_timeout_exception()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/acks");
        var socket = _ns.Sockets[client.Id];
        var ask = socket.EmitWithAckAsync(TimeSpan.FromMilliseconds(300), "question");
        var (id, name, _) = await client.NextEventAsync();
        Assert.That(name, Is.EqualTo("question"));
        Assert.ThrowsAsync<TimeoutException>(async () => await ask);

        var answered = socket.EmitWithAckAsync(Eventually.Limit, "question");
        var (id2, _, _) = await client.NextEventAsync();
        Assert.That(id2, Is.Not.EqualTo(id));
        await client.AckAsync(id2, "[42]");
        Assert.That((int)(await answered.Within())[0], Is.EqualTo(42));
    }

    [Test]
    public async Task The_handler_return_value_is_the_ack_unless_the_handler_acked_itself()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/acks");
        Assert.That((await client.EmitWithAckAsync("add", "2,3")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[5]"));
        Assert.That((await client.EmitWithAckAsync("ack-twice")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"explicit\"]"));
        // Without an ack id nothing is sent back: the next packet is the answer to the sync.
        await client.EmitAsync("add", "1,1");
        Assert.That(await client.EmitWithAckAsync("sync"), Is.Empty);
    }

    [Test]
    public async Task Socket_io_client_4_answers_a_broadcast_with_acks_and_gets_the_partial_result()
    {
        var output = await NodeRunner.RunJsonAsync(
            ["core-features.mjs", _server.Url, "broadcastAck", new JObject
            {
                ["namespace"] = "/acks",
                ["answers"] = new JArray("x", "y", JValue.CreateNull()),
                ["timeoutMs"] = 1500,
            }.ToString(Newtonsoft.Json.Formatting.None)]);
        var result = (JObject)output["result"]!;
        Assert.That((bool)result["complete"]!, Is.False, "one client never answers");
        Assert.That((int)result["expected"]!, Is.GreaterThanOrEqualTo(3));
        var responses = ((JArray)result["responses"]!).Cast<JObject>().ToList();
        Assert.That(responses.Select(r => (string)r["answer"]!), Is.EquivalentTo(new[] { "x", "y" }));
        Assert.That(responses.Select(r => (int)r["value"]!), Is.All.EqualTo(7));
    }

    [Test]
    public async Task Socket_io_client_4_gets_the_handler_return_value_as_its_ack()
    {
        var output = await NodeRunner.RunJsonAsync(["core-features.mjs", _server.Url, "returnAck", "{\"namespace\":\"/acks\"}"]);
        Assert.That((int)output["sum"]!, Is.EqualTo(5));
        Assert.That((int)output["late"]!, Is.EqualTo(20));
    }
}
