using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// Base for fixtures that speak the protocols by hand to one server started with the
/// "conformance" profile: Socket.IO at <c>/socket.io/</c>, a raw Engine.IO echo at <c>/engine.io/</c>,
/// heartbeat 300/200 ms as the official suites expect. The server is shared by the fixture's tests
/// (each opens its own sessions) and warmed up first, so the first test does not pay for JIT
/// compilation inside the suites' tight heartbeat windows.
/// </summary>
public abstract class ConformanceFixture
{
    /// <summary>The raw Engine.IO echo endpoint.</summary>
    public const string EnginePath = "/engine.io/";

    /// <summary>The Socket.IO endpoint.</summary>
    public const string SocketIoPath = "/socket.io/";

    /// <summary>The server of this fixture.</summary>
    protected TestServer Server { get; private set; } = null!;

    /// <summary>Starts and warms up the server.</summary>
    [OneTimeSetUp]
    public async Task StartServerAsync()
    {
        Server = await TestServer.StartAsync("conformance");
        await WarmUpAsync();
    }

    /// <summary>
    /// Runs each endpoint's common paths once so they are compiled before the tests. Nothing is
    /// asserted: a cold start on a loaded machine may well miss a 200 ms pong deadline, and that is
    /// no finding; whatever ran has been compiled all the same.
    /// </summary>
    private async Task WarmUpAsync()
    {
        try
        {
            using var http = new HttpClient { Timeout = Eventually.Limit };
            foreach (var path in (string[])[EnginePath, SocketIoPath])
            {
                var open = await http.GetStringAsync($"{Server.Url}{path}?EIO=4&transport=polling");
                var sid = (string?)JObject.Parse(open[1..])["sid"];
                using var close = new StringContent("1");
                using var _ = await http.PostAsync($"{Server.Url}{path}?EIO=4&transport=polling&sid={sid}", close);
            }
            await using (var echo = await EngineWebSocket.ConnectAsync(WebSocketUrl(EnginePath)))
            {
                await echo.NextAsync();
                await echo.SendAsync("4warm-up");
                await echo.NextAsync();
            }
            await using var io = await EngineWebSocket.ConnectAsync(WebSocketUrl(SocketIoPath));
            await io.NextAsync();
            await io.SendAsync("40");
            await io.NextAsync();
            await io.SendAsync("42[\"message\",\"warm-up\"]");
            await io.NextAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.WebSockets.WebSocketException or TimeoutException
            or OperationCanceledException or Newtonsoft.Json.JsonException)
        {
            TestContext.Progress.WriteLine($"warm-up incomplete, which is harmless: {ex.Message}");
        }
    }

    /// <summary>Stops the server.</summary>
    [OneTimeTearDown]
    public async Task StopServerAsync() => await Server.DisposeAsync();

    /// <summary>A polling client for <paramref name="path"/>.</summary>
    protected EngineHttp Polling(string path) => new(Server.Url, path);

    /// <summary>The WebSocket URL of <paramref name="path"/>, for a new session or for upgrading <paramref name="sid"/>.</summary>
    protected string WebSocketUrl(string path, string? sid = null) =>
        $"{Server.WsUrl}{path}?EIO=4&transport=websocket" + (sid is null ? "" : $"&sid={sid}");

    /// <summary>
    /// Opens a WebSocket to <c>/socket.io/</c>, connects to the main namespace with <c>40</c> and
    /// consumes the acceptance and the <c>auth</c> event the conformance handler emits.
    /// </summary>
    protected async Task<EngineWebSocket> ConnectSocketIoAsync()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(WebSocketUrl(SocketIoPath));
        await socket.SendAsync("40");
        var accepted = await socket.NextTextAsync();
        Assert.That(accepted, Does.StartWith("40{"));
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"auth\",{}]"));
        return socket;
    }

    /// <summary>
    /// Sends <paramref name="connect"/> over the polling session <paramref name="sid"/> of
    /// <c>/socket.io/</c> and returns the two answers: the acceptance and the <c>auth</c> event
    /// (they may come in one poll or in two).
    /// </summary>
    protected static async Task<string[]> ConnectSocketIoOverPollingAsync(EngineHttp http, string sid, string connect = "40")
    {
        var (status, body) = await http.PostAsync(http.PollingUrl(sid), connect);
        Assert.That(status, Is.EqualTo(System.Net.HttpStatusCode.OK), body);
        var received = new List<string>(await http.PollSkippingPingsAsync(sid));
        if (received.Count == 1)
        {
            received.AddRange(await http.PollSkippingPingsAsync(sid));
        }
        Assert.That(received, Has.Count.EqualTo(2), "expected the acceptance and the auth event");
        Assert.That(received[0], Does.StartWith("40{\"sid\":"));
        return [.. received];
    }

    /// <summary>The JSON after <paramref name="prefix"/> in <paramref name="packet"/>.</summary>
    protected static JObject JsonAfter(string packet, string prefix)
    {
        Assert.That(packet, Does.StartWith(prefix));
        return JObject.Parse(packet[prefix.Length..]);
    }
}
