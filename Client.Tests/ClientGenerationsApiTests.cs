using Newtonsoft.Json.Linq;
using SocketIOClient;
using SocketIOClient.Transport;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Server API features with clients of other generations: socket.io-client 2.x (Engine.IO v3,
/// Socket.IO v4) next to a 4.x client in the conformance profile's /probe namespace, and the
/// .NET SocketIOClient against the same commands.
/// </summary>
public sealed class ClientGenerationsApiTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await TestServer.StartAsync("conformance");

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task A_2x_client_answers_broadcast_acks_takes_part_in_rooms_and_never_recovers()
    {
        var output = await NodeRunner.RunJsonAsync(["generations-api.mjs", _server.Url, "/probe-90"]);

        var oldId = (string)output["oldId"]!;
        Assert.That(oldId, Does.StartWith("/probe-90#"), "2.x names its socket nsp#engineId, and the server uses the same id");
        Assert.That(output["oldRooms"]!.Select(r => (string)r!), Is.EquivalentTo(new[] { oldId }));
        Assert.That((bool)output["oldRecovered"]!, Is.False, "recovery is for Socket.IO v5 clients only");
        Assert.That(output["askAll"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"from 2.x\"]"), "the 2.x ack is collected by the broadcast");

        var news = (JArray)output["news"]!;
        Assert.That(news[0].ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{\"hello\":\"2.x\"}"));
        Assert.That(news, Has.Count.EqualTo(2), "the payload and, as in Node, the recovery offset");
        Assert.That(news[1].Type, Is.EqualTo(JTokenType.String));

        Assert.That(output["any"]![0]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"whatever\",1,\"two\"]"), "the catch-all listener sees 2.x events");
    }

    [Test]
    public async Task The_dotnet_client_uses_rooms_fetch_and_answers_the_server_question_through_the_probe()
    {
        using var client = new SocketIOClient.SocketIO(_server.Url + "/probe-91", new SocketIOOptions
        {
            EIO = 4,
            Transport = TransportProtocol.WebSocket,
            Reconnection = false,
            ConnectionTimeout = Eventually.Limit,
        });
        client.On("question", response => response.CallbackAsync("dotnet"));
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnConnected += (_, _) => connected.TrySetResult();
        await client.ConnectAsync().Within();
        await connected.Task.Within();

        Assert.That((await AckAsync(client, "join", "dotnet-room")).GetValue<bool>(0), Is.True);
        var sockets = JArray.Parse((await AckAsync(client, "fetch", "dotnet-room")).GetValue<System.Text.Json.JsonElement>(0).GetRawText());
        Assert.That(sockets, Has.Count.EqualTo(1));
        Assert.That(sockets[0]["rooms"]!.Select(r => (string)r!), Does.Contain("dotnet-room"));
        Assert.That((await AckAsync(client, "ask-me", 5000)).GetValue<string>(0), Is.EqualTo("dotnet"),
            "the server's question was answered through the .NET client's ack callback");
        await client.DisconnectAsync();
    }

    private static async Task<SocketIOResponse> AckAsync(SocketIOClient.SocketIO client, string name, params object[] args)
    {
        var answer = new TaskCompletionSource<SocketIOResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync(name, response => answer.TrySetResult(response), args);
        return await answer.Task.Within();
    }
}
