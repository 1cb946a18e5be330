using System.Diagnostics;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Where user code runs when sockets go away or change rooms: disconnect handlers (which may be
/// asynchronous) and room events run on a flow of their own — never inside the heartbeat timer
/// shared by every connection, nor inside the loop of a server-side operation over many sockets.
/// The call stack of the handler shows where it runs.
/// </summary>
public sealed class LifecycleHandlerTests
{
    private static string Caller() => new StackTrace().ToString();

    [Test]
    public async Task Disconnect_handlers_of_a_timed_out_client_do_not_run_on_the_heartbeat_timer()
    {
        var syncStack = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var asyncReason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(o =>
            {
                o.PingInterval = TimeSpan.FromMilliseconds(300);
                o.PingTimeout = TimeSpan.FromMilliseconds(200);
            }),
            app => app.MapSocketIo("/socket.io", io => io.OnConnection(socket =>
            {
                socket.OnDisconnecting(_ => syncStack.TrySetResult(Caller()));
                socket.OnDisconnect(async reason =>
                {
                    await Task.Yield();
                    asyncReason.TrySetResult(reason);
                });
            })));
        // Never answers a ping: the heartbeat timer closes it.
        var (silent, _) = await EngineWebSocket.OpenAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket", answerPings: false);
        await using var _ = silent;
        await silent.SendAsync("40");

        Assert.That(await syncStack.Task.Within(), Does.Not.Contain(nameof(SocketIoChat.EngineIo) + ".Sessions.HeartbeatScheduler"));
        Assert.That(await asyncReason.Task.Within(), Is.EqualTo(DisconnectReason.PingTimeout), "an asynchronous disconnect handler runs, with the reason");
    }

    [Test]
    public async Task Disconnect_handlers_and_room_events_do_not_run_inside_a_server_side_operation_over_many_sockets()
    {
        var stacks = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(),
            app => app.MapSocketIo("/socket.io", io =>
            {
                io.Sockets.Adapter.RoomJoined += (room, _) =>
                {
                    if (room == "moved")
                    {
                        stacks.Enqueue("join " + Caller());
                    }
                };
                io.OnConnection(socket => socket.OnDisconnect(_ => stacks.Enqueue("disconnect " + Caller())));
            }));
        await using var a = await SioClient.ConnectAsync(server, "/");
        await using var b = await SioClient.ConnectAsync(server, "/");

        await server.Io.Sockets.SocketsJoinAsync(["moved"]);
        await server.Io.Sockets.DisconnectSocketsAsync();
        await Eventually.True(() => stacks.Count == 4, "two joins and two disconnects reported");
        Assert.That(stacks, Has.All.Not.Contains("SocketIoAdapter.ForEachTarget"), string.Join("\n\n", stacks));
    }
}
