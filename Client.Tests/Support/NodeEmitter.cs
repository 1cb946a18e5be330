using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// <c>@socket.io/redis-emitter</c> 5.1.0 driven over stdin (<c>node/emitter.mjs</c>). Each call
/// returns once Redis has received the PUBLISH; the servers handle it a moment later.
/// </summary>
public sealed class NodeEmitter : IAsyncDisposable
{
    private readonly NodeProcess _process;

    private NodeEmitter(NodeProcess process) => _process = process;

    /// <summary>The node process (stderr, kill).</summary>
    public NodeProcess Process => _process;

    /// <summary>Starts the emitter on <paramref name="redis"/> with the adapters' <paramref name="key"/>.</summary>
    public static async Task<NodeEmitter> StartAsync(RedisServer redis, string key = "socket.io") =>
        new(await NodeProcess.StartAsync("emitter.mjs", ["--redis", redis.Endpoint, "--key", key]));

    /// <summary>
    /// Sends one command object (see emitter.mjs: <c>op</c>, <c>nsp</c>, <c>to</c>, <c>except</c>,
    /// <c>volatile</c>, <c>compress</c>, <c>event</c>, <c>args</c>, <c>rooms</c>, <c>close</c>);
    /// fails the test when the emitter answers with an error.
    /// </summary>
    public async Task SendAsync(object command)
    {
        var reply = await _process.RequestAsync(command);
        if (reply["ok"]?.Value<bool>() != true)
        {
            Assert.Fail($"emitter.mjs refused {JObject.FromObject(command)}: {reply}\nstderr:\n{_process.Stderr}");
        }
    }

    /// <summary><c>emitter.of(nsp).serverSideEmit(event, ...args)</c>.</summary>
    public Task ServerSideEmitAsync(string nsp, string eventName, params object?[] args) =>
        SendAsync(new { op = "serverSideEmit", nsp, @event = eventName, args });

    /// <summary><c>emitter.of(nsp).to(to).except(except).emit(event, ...args)</c>.</summary>
    public Task EmitAsync(string nsp, string eventName, object?[] args, string[]? to = null, string[]? except = null) =>
        SendAsync(new { op = "emit", nsp, to = to ?? [], except = except ?? [], @event = eventName, args });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
