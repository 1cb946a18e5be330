using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// Runs a script of emits, acks and awaited events with socket.io-client 4.x (<c>node/steps.mjs</c>)
/// against a server and returns what the clients observed: <c>connect</c>, <c>results</c>, <c>events</c>.
/// </summary>
public static class NodeSteps
{
    /// <summary>Runs <paramref name="script"/> (serialized to JSON) against <paramref name="server"/>.</summary>
    public static Task<JObject> RunAsync(TestServer server, object script) =>
        NodeRunner.RunJsonAsync(["steps.mjs", server.Url, "-"], JsonConvert.SerializeObject(script));

    /// <summary>The event names <paramref name="client"/> received, in order.</summary>
    public static string[] EventNames(JObject outcome, string client) =>
        [.. ((JArray)outcome["events"]![client]!).Select(e => (string)e[0]!)];
}
