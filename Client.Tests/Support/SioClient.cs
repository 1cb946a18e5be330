using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// A Socket.IO v5 client on one namespace, spoken by hand over a WebSocket (heartbeats answered in
/// the background), for tests that assert exactly which packets arrive.
/// </summary>
public sealed class SioClient : IAsyncDisposable
{
    private readonly EngineWebSocket _ws;
    private readonly string _prefix;

    /// <summary>Wraps a connection already connected to <paramref name="nsp"/> as socket <paramref name="id"/>.</summary>
    public SioClient(EngineWebSocket ws, string nsp, string id)
    {
        _ws = ws;
        Namespace = nsp;
        Id = id;
        _prefix = nsp == "/" ? "" : nsp + ",";
    }

    /// <summary>The namespace.</summary>
    public string Namespace { get; }

    /// <summary>The socket id the server gave.</summary>
    public string Id { get; }

    /// <summary>Opens a connection and connects it to <paramref name="nsp"/>; fails unless the server accepts.</summary>
    public static Task<SioClient> ConnectAsync(TestServer server, string nsp, string auth = "") =>
        ConnectAsync(server.WsUrl, nsp, auth);

    /// <summary>
    /// Like <see cref="ConnectAsync(TestServer, string, string)"/> for any server, a Node one
    /// included, given its base WebSocket URL (<c>ws://127.0.0.1:PORT</c>).
    /// </summary>
    public static async Task<SioClient> ConnectAsync(string wsUrl, string nsp, string auth = "")
    {
        var (ws, answer) = await TryConnectAsync(wsUrl, nsp, auth);
        var prefix = nsp == "/" ? "40" : $"40{nsp},";
        Assert.That(answer, Does.StartWith(prefix + "{\"sid\":"), "the namespace connection must be accepted");
        return new SioClient(ws, nsp, (string)JObject.Parse(answer[prefix.Length..])["sid"]!);
    }

    /// <summary>Opens a connection and asks for <paramref name="nsp"/>; returns the socket and the server's answer.</summary>
    public static Task<(EngineWebSocket Socket, string Answer)> TryConnectAsync(TestServer server, string nsp, string auth = "") =>
        TryConnectAsync(server.WsUrl, nsp, auth);

    /// <summary>Opens a connection to the server at <paramref name="wsUrl"/> and asks for <paramref name="nsp"/>.</summary>
    public static async Task<(EngineWebSocket Socket, string Answer)> TryConnectAsync(string wsUrl, string nsp, string auth = "")
    {
        var (ws, _) = await EngineWebSocket.OpenAsync(wsUrl + "/socket.io/?EIO=4&transport=websocket");
        await ws.SendAsync(nsp == "/" ? "40" + auth : $"40{nsp},{auth}");
        return (ws, await ws.NextTextAsync());
    }

    /// <summary>Sends an EVENT; <paramref name="argsJson"/> is the JSON of the arguments after the name, comma-separated.</summary>
    public Task EmitAsync(string eventName, string argsJson = "", long ackId = -1) =>
        _ws.SendAsync("42" + _prefix + (ackId >= 0 ? ackId.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")
            + "[" + JToken.FromObject(eventName).ToString(Newtonsoft.Json.Formatting.None) + (argsJson.Length > 0 ? "," + argsJson : "") + "]");

    /// <summary>Sends an ACK with id <paramref name="ackId"/> and the JSON array <paramref name="argsJson"/>.</summary>
    public Task AckAsync(long ackId, string argsJson) => _ws.SendAsync("43" + _prefix + ackId.ToString(System.Globalization.CultureInfo.InvariantCulture) + argsJson);

    /// <summary>Sends an EVENT asking for an ack and returns the ack's arguments.</summary>
    public async Task<JArray> EmitWithAckAsync(string eventName, string argsJson = "")
    {
        var id = Random.Shared.Next(1000, 1_000_000);
        await EmitAsync(eventName, argsJson, id);
        var ack = "3" + _prefix + id;
        while (true)
        {
            var text = await NextAsync();
            if (text.StartsWith(ack + "[", StringComparison.Ordinal))
            {
                return JArray.Parse(text[ack.Length..]);
            }
        }
    }

    /// <summary>Sends a command (an EVENT asking for an ack, e.g. of the <c>/probe</c> namespace) and returns the ack's single value.</summary>
    public async Task<JToken> CommandAsync(string name, string argsJson = "")
    {
        var answer = await EmitWithAckAsync(name, argsJson).Within();
        Assert.That(answer, Has.Count.EqualTo(1), $"{name} answers with one value");
        return answer[0];
    }

    /// <summary>The next Socket.IO packet (text), heartbeats skipped.</summary>
    public async Task<string> NextAsync()
    {
        var text = await _ws.NextTextAsync();
        Assert.That(text, Does.StartWith("4"), "expected a Socket.IO message");
        return text[1..];
    }

    /// <summary>Parses an EVENT packet (<c>2/nsp,id[...]</c>) into its ack id (-1 if none), name and arguments.</summary>
    public (long AckId, string Name, JArray Args) ParseEvent(string packet)
    {
        var expected = "2" + _prefix;
        Assert.That(packet, Does.StartWith(expected), "expected an EVENT of " + Namespace);
        var rest = packet[expected.Length..];
        var bracket = rest.IndexOf('[');
        var id = bracket == 0 ? -1 : long.Parse(rest[..bracket], System.Globalization.CultureInfo.InvariantCulture);
        var array = JArray.Parse(rest[bracket..]);
        var name = (string)array[0]!;
        array.RemoveAt(0);
        return (id, name, array);
    }

    /// <summary>The next EVENT (other packet types fail the test).</summary>
    public async Task<(long AckId, string Name, JArray Args)> NextEventAsync() => ParseEvent(await NextAsync());

    /// <summary>The names of the events received before the event named <paramref name="marker"/>.</summary>
    public async Task<List<string>> EventsUntilAsync(string marker)
    {
        var names = new List<string>();
        while (true)
        {
            var (_, name, _) = await NextEventAsync();
            if (name == marker)
            {
                return names;
            }
            names.Add(name);
        }
    }

    /// <summary>Leaves the namespace (DISCONNECT packet).</summary>
    public Task LeaveAsync() => _ws.SendAsync("41" + _prefix);

    /// <summary>The underlying socket (for close checks).</summary>
    public EngineWebSocket Socket => _ws;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ws.DisposeAsync();
}
