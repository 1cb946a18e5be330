using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Where user code runs when a socket goes away: disconnect handlers (which may be asynchronous)
/// run on the socket's own flow, never on the heartbeat timer shared by every connection.
/// </summary>
public sealed class LifecycleHandlerTests
{
    [Test]
    public async Task A_slow_disconnect_handler_of_a_timed_out_client_does_not_stall_the_heartbeats_of_the_others()
    {
        var handlerRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new ManualResetEventSlim();
        var asyncHandlerRan = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(o =>
            {
                o.PingInterval = TimeSpan.FromMilliseconds(300);
                o.PingTimeout = TimeSpan.FromMilliseconds(200);
            }),
            app => app.MapSocketIo("/socket.io", io => io.OnConnection(socket =>
            {
                if (socket.Handshake.Query.TryGetValue("slow", out _))
                {
                    socket.OnDisconnect(_ =>
                    {
                        handlerRunning.TrySetResult();
                        // Blocks its thread on purpose: were it the heartbeat timer's, nobody would be pinged meanwhile.
                        release.Wait(TimeSpan.FromSeconds(30));
                    });
                    socket.OnDisconnect(async reason =>
                    {
                        await Task.Yield();
                        asyncHandlerRan.TrySetResult(reason);
                    });
                }
            })));

        var (healthy, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var _healthy = healthy;
        await healthy.SendAsync("40");
        Assert.That(await healthy.NextTextAsync(), Does.StartWith("40{\"sid\":"));
        // This one never answers a ping: the heartbeat timer closes it, and its slow handler starts.
        var (silent, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket&slow=1", answerPings: false);
        await using var _silent = silent;
        await silent.SendAsync("40");
        await handlerRunning.Task.Within();
        try
        {
            // While the handler blocks, the healthy client keeps being pinged (every 300 ms).
            var before = healthy.PingsAnswered;
            await Eventually.True(() => healthy.PingsAnswered >= before + 3, "the healthy client pinged while the handler blocks");
        }
        finally
        {
            release.Set();
        }
        Assert.That(await asyncHandlerRan.Task.Within(), Is.EqualTo("ping timeout"), "an asynchronous disconnect handler runs after it, with the reason");
    }
}
