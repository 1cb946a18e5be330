using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Adapters;

/// <summary>
/// What every adapter must do, as one suite (SignalR's <c>HubLifetimeManagerTestBase</c> plays
/// this part for its backplanes; the cases follow those the Node adapters share). A derived
/// fixture says how its servers share an adapter: one server for the in-memory adapter, several
/// on one Redis for a cluster adapter. Each server gets one raw client on <c>/</c>; every case
/// acts through the public API of one server and checks what the clients of all servers receive.
/// </summary>
public abstract class AdapterSpecification
{
    private readonly List<TestServer> _servers = [];
    private readonly List<SioClient> _clients = [];
    private readonly List<CapturedLogs> _logs = [];
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _serverEvents = new();

    /// <summary>How many servers the cluster has.</summary>
    protected abstract int ServerCount { get; }

    /// <summary>Puts server <paramref name="index"/> on the adapter under test.</summary>
    protected abstract void UseAdapter(SocketIoBuilder builder, int index);

    /// <summary>
    /// Whether <c>AllRoomsAsync</c> asks the other servers. The reference's cluster-adapter protocol
    /// (used by the streams adapter) has no such request: there it lists this server's rooms.
    /// </summary>
    protected virtual bool AllRoomsIsClusterWide => true;

    /// <summary>Starts what the servers share (a Redis server…), before each case.</summary>
    protected virtual Task StartBackplaneAsync() => Task.CompletedTask;

    /// <summary>Stops what <see cref="StartBackplaneAsync"/> started, after each case.</summary>
    protected virtual ValueTask StopBackplaneAsync() => ValueTask.CompletedTask;

    /// <summary>The servers, in order.</summary>
    protected IReadOnlyList<TestServer> Servers => _servers;

    /// <summary>What server <c>i</c> logged.</summary>
    protected IReadOnlyList<CapturedLogs> Logs => _logs;

    /// <summary>Client <c>i</c> is connected to server <c>i</c>.</summary>
    protected IReadOnlyList<SioClient> Clients => _clients;

    protected Namespace Main(int server) => _servers[server].Io.Sockets;

    [SetUp]
    public async Task StartClusterAsync()
    {
        await StartBackplaneAsync();
        for (var i = 0; i < ServerCount; i++)
        {
            var index = i;
            var logs = new CapturedLogs();
            _logs.Add(logs);
            _servers.Add(await TestServer.StartLibraryAsync(
                builder =>
                {
                    logs.AttachTo(builder);
                    UseAdapter(builder.Services.AddSocketIo(o => o.AckTimeout = TimeSpan.FromSeconds(10)), index);
                },
                app => app.MapSocketIo("/socket.io", io =>
                {
                    io.Sockets.OnServerSideEmit("hello", (args, ack) =>
                    {
                        _serverEvents.GetOrAdd("server" + index, _ => new()).Enqueue(args.ToString(Newtonsoft.Json.Formatting.None));
                        ack(new JValue("from" + index));
                    });
                })));
        }
        // Every server sees the whole cluster before a case starts (a cluster adapter's peers
        // appear as their subscriptions do).
        foreach (var server in _servers)
        {
            await Eventually.Until(() => server.Io.Sockets.ServerCountAsync().Within(), n => n == ServerCount, "the cluster formed", TimeSpan.FromSeconds(30));
        }
        for (var i = 0; i < ServerCount; i++)
        {
            _clients.Add(await SioClient.ConnectAsync(_servers[i], "/"));
        }
    }

    [TearDown]
    public async Task StopClusterAsync()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            for (var i = 0; i < _logs.Count; i++)
            {
                await TestContext.Out.WriteLineAsync($"Server {i} logged:\n  " + string.Join("\n  ", _logs[i].Lines.Where(l => !l.StartsWith("Debug", StringComparison.Ordinal) && !l.StartsWith("Trace", StringComparison.Ordinal))));
            }
        }
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        _clients.Clear();
        _servers.Clear();
        _logs.Clear();
        _serverEvents.Clear();
        await StopBackplaneAsync();
    }

    /// <summary>The server-side socket of client <paramref name="i"/>.</summary>
    protected Socket SocketOf(int i) => Main(i).Sockets[_clients[i].Id];

    private static async Task<(string Name, JArray Args)> NextEventAsync(SioClient client)
    {
        var (_, name, args) = await client.NextEventAsync();
        return (name, args);
    }

    /// <summary>Every client receives <paramref name="expected"/> next, or (for the others) the marker that follows it.</summary>
    private async Task ExpectOnlyAsync(string eventName, IEnumerable<int> receivers, int from = 0)
    {
        var set = receivers.ToHashSet();
        // A marker to everyone afterwards proves the others did not get the event: events from one server keep their order.
        Main(from).Emit("marker");
        for (var i = 0; i < _clients.Count; i++)
        {
            var names = await _clients[i].EventsUntilAsync("marker");
            Assert.That(names, Is.EqualTo(set.Contains(i) ? new[] { eventName } : Array.Empty<string>()), $"client {i} (server {i})");
        }
    }

    [Test]
    public async Task A_broadcast_reaches_every_client_of_every_server_with_its_arguments()
    {
        for (var from = 0; from < ServerCount; from++)
        {
            Main(from).Emit("all", 1, "2", new JObject { ["x"] = true });
            foreach (var client in _clients)
            {
                var (name, args) = await NextEventAsync(client);
                Assert.That(name, Is.EqualTo("all"));
                Assert.That(args.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[1,\"2\",{\"x\":true}]"));
            }
        }
    }

    [Test]
    public async Task A_binary_argument_arrives_as_an_attachment_everywhere()
    {
        Main(0).Emit("bin", new byte[] { 3, 4 });
        foreach (var client in _clients)
        {
            var header = await client.NextAsync();
            Assert.That(header, Is.EqualTo("51-[\"bin\",{\"_placeholder\":true,\"num\":0}]"));
            var attachment = await client.Socket.NextSkippingPingsAsync();
            Assert.That(attachment.Binary, Is.EqualTo(new byte[] { 3, 4 }));
        }
    }

    [Test]
    public async Task A_room_broadcast_reaches_only_the_room()
    {
        var last = ServerCount - 1;
        SocketOf(last).Join("room1");
        Main(0).To("room1").Emit("in-room");
        await ExpectOnlyAsync("in-room", [last]);
    }

    [Test]
    public async Task Except_excludes_the_room_everywhere()
    {
        var last = ServerCount - 1;
        SocketOf(last).Join("room1");
        Main(0).Except("room1").Emit("not-room");
        await ExpectOnlyAsync("not-room", Enumerable.Range(0, ServerCount).Where(i => i != last));
    }

    [Test]
    public async Task Several_rooms_reach_each_socket_once_minus_the_exceptions()
    {
        SocketOf(0).Join("room1", "room2");
        if (ServerCount > 1)
        {
            SocketOf(1).Join("room2", "room3");
        }
        Main(ServerCount - 1).To("room1").To("room2").Except("room3").Emit("once");
        await ExpectOnlyAsync("once", [0], from: ServerCount - 1);
    }

    [Test]
    public async Task A_local_broadcast_stays_on_its_server()
    {
        Main(0).Local.Emit("local");
        await ExpectOnlyAsync("local", [0]);
    }

    [Test]
    public async Task A_socket_id_addresses_that_socket_wherever_it_is()
    {
        var last = ServerCount - 1;
        Main(0).To(_clients[last].Id).Emit("direct");
        await ExpectOnlyAsync("direct", [last]);
    }

    [Test]
    public async Task A_broadcast_with_acks_collects_every_clients_answer()
    {
        var result = Main(0).Timeout(TimeSpan.FromSeconds(10)).EmitWithAckAsync("ask");
        for (var i = 0; i < _clients.Count; i++)
        {
            var (ackId, name, _) = await _clients[i].NextEventAsync();
            Assert.That(name, Is.EqualTo("ask"));
            await _clients[i].AckAsync(ackId, $"[{i}]");
        }
        var answers = await result.Within();
        Assert.That(answers.Complete, Is.True);
        Assert.That(answers.Expected, Is.EqualTo(ServerCount));
        Assert.That(answers.Responses.Select(r => (int)r[0]), Is.EquivalentTo(Enumerable.Range(0, ServerCount)));
    }

    [Test]
    public async Task A_broadcast_with_acks_to_nobody_completes_at_once_with_no_answer()
    {
        var answers = await Main(0).To("nobody-here").Timeout(TimeSpan.FromSeconds(20)).EmitWithAckAsync("ask").Within(TimeSpan.FromSeconds(10));
        Assert.That(answers.Complete, Is.True);
        Assert.That(answers.Responses, Is.Empty);
    }

    [Test]
    public async Task A_broadcast_with_acks_gives_the_partial_answers_when_a_client_stays_silent()
    {
        var result = Main(0).Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync("ask");
        for (var i = 0; i < _clients.Count; i++)
        {
            var (ackId, _, _) = await _clients[i].NextEventAsync();
            if (i != _clients.Count - 1)
            {
                await _clients[i].AckAsync(ackId, $"[{i}]");
            }
        }
        var answers = await result.Within();
        Assert.That(answers.Complete, Is.False);
        Assert.That(answers.Responses.Select(r => (int)r[0]), Is.EquivalentTo(Enumerable.Range(0, ServerCount - 1)));
    }

    [Test]
    public async Task SocketsJoin_and_SocketsLeave_reach_the_targeted_sockets_everywhere()
    {
        var last = ServerCount - 1;
        SocketOf(last).Join("src");
        await Main(0).In("src").SocketsJoinAsync(["dst"]);
        await Eventually.True(() => SocketOf(last).Rooms.Contains("dst"), "the socket in src joined dst");
        await Main(0).SocketsJoinAsync(["everyone"]);
        for (var i = 0; i < ServerCount; i++)
        {
            var index = i;
            await Eventually.True(() => SocketOf(index).Rooms.Contains("everyone"), $"socket {i} joined everyone");
        }
        Assert.That(Enumerable.Range(0, ServerCount).Where(i => SocketOf(i).Rooms.Contains("dst")), Is.EqualTo(new[] { last }));

        await Main(0).In(_clients[last].Id).SocketsLeaveAsync(["everyone"]);
        await Eventually.True(() => !SocketOf(last).Rooms.Contains("everyone"), "the addressed socket left");
        Main(0).To("everyone").Emit("still-in");
        await ExpectOnlyAsync("still-in", Enumerable.Range(0, ServerCount - 1));
    }

    [Test]
    public async Task DisconnectSockets_disconnects_every_targeted_socket_after_what_was_sent_before()
    {
        Main(0).Emit("bye");
        await Main(0).DisconnectSocketsAsync();
        foreach (var client in _clients)
        {
            Assert.That((await NextEventAsync(client)).Name, Is.EqualTo("bye"));
            Assert.That(await client.NextAsync(), Is.EqualTo("1"), "a DISCONNECT of /");
        }
    }

    [Test]
    public async Task FetchSockets_returns_the_sockets_of_every_server_with_their_data_and_rooms()
    {
        var last = ServerCount - 1;
        SocketOf(last).Data["who"] = "last";
        SocketOf(last).Join("fetch-room");
        var all = await Main(0).FetchSocketsAsync().Within();
        Assert.That(all.Select(s => s.Id), Is.EquivalentTo(_clients.Select(c => c.Id)));

        var single = (await Main(0).In(_clients[last].Id).FetchSocketsAsync().Within()).Single();
        Assert.That(single.Id, Is.EqualTo(_clients[last].Id));
        Assert.That(single.Rooms, Is.EquivalentTo(new[] { _clients[last].Id, "fetch-room" }));
        Assert.That(single.Data["who"]?.ToString(), Is.EqualTo("last"));
        Assert.That(single.Handshake.Query["EIO"], Is.EqualTo("4"));
        Assert.That(single.Handshake.Address, Is.EqualTo("127.0.0.1"));

        var local = await Main(0).Local.FetchSocketsAsync().Within();
        Assert.That(local.Select(s => s.Id), Is.EqualTo(new[] { _clients[0].Id }));

        // A handle works wherever its socket lives.
        single.Emit("via-handle", 7);
        await ExpectOnlyAsync("via-handle", [last]);
    }

    [Test]
    public async Task ServerSideEmit_reaches_every_other_server_and_collects_their_answers()
    {
        Main(0).ServerSideEmit("hello", "world", 1);
        var answers = await Main(0).ServerSideEmitWithAckAsync(TimeSpan.FromSeconds(10), "hello", "again").Within();
        Assert.That(answers.Select(a => (string)a!), Is.EquivalentTo(Enumerable.Range(1, ServerCount - 1).Select(i => "from" + i)));
        for (var i = 1; i < ServerCount; i++)
        {
            var index = i;
            await Eventually.True(() => _serverEvents.TryGetValue("server" + index, out var q) && q.Count == 2, $"server {i} got both events");
            Assert.That(_serverEvents["server" + i], Is.EqualTo(new[] { "[\"world\",1]", "[\"again\"]" }));
        }
        Assert.That(_serverEvents.ContainsKey("server0"), Is.False, "not to the sender itself");
    }

    [Test]
    public async Task AllRooms_and_ServerCount_cover_the_cluster()
    {
        var last = ServerCount - 1;
        SocketOf(last).Join("far-room");
        var rooms = await Main(0).Adapter.AllRoomsAsync().Within();
        if (AllRoomsIsClusterWide)
        {
            Assert.That(rooms, Is.SupersetOf(_clients.Select(c => c.Id).Append("far-room")));
        }
        else
        {
            Assert.That(rooms, Is.EquivalentTo(Main(0).Adapter.Rooms()), "this server's rooms only, as the reference's adapter");
        }
        Assert.That(await Main(0).ServerCountAsync().Within(), Is.EqualTo(ServerCount));
    }

    [Test]
    public async Task Events_from_one_server_arrive_in_order()
    {
        const int Count = 500;
        var last = ServerCount - 1;
        for (var i = 0; i < Count; i++)
        {
            Main(0).To(_clients[last].Id).Emit("n", i);
        }
        for (var i = 0; i < Count; i++)
        {
            var (name, args) = await NextEventAsync(_clients[last]);
            Assert.That((name, (int)args[0]), Is.EqualTo(("n", i)));
        }
    }
}
