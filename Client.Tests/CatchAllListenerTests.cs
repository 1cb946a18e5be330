using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Catch-all listeners: <c>OnAny</c>/<c>PrependAny</c>/<c>OffAny</c> for incoming events and
/// <c>OnAnyOutgoing</c>/<c>PrependAnyOutgoing</c>/<c>OffAnyOutgoing</c> for outgoing ones. What
/// they see is reported back to the client, so the test reads it on the wire.
/// </summary>
public sealed class CatchAllListenerTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _server.Io.Of("/any").OnConnection(socket =>
        {
            var seen = new List<string>();
            Action<SocketEvent> second = e => seen.Add("second:" + e.Name);
            Action<SocketEvent> removable = e => seen.Add("removable:" + e.Name);
            socket.OnAny(e => seen.Add("first:" + e.Name));
            socket.OnAny(second);
            socket.OnAny(removable);
            socket.PrependAny(e =>
            {
                seen.Add("prepended:" + e.Name);
                return Task.CompletedTask;
            });
            socket.On("handled", e => seen.Add("handler:" + e.Name + ":" + e.Args.ToString(Newtonsoft.Json.Formatting.None)));
            socket.On("off-one", _ => socket.OffAny(removable));
            socket.On("off-all", _ => socket.OffAny());
            // Reports and clears what the listeners saw; the report's own arrival is seen by the next report.
            socket.On("report", e =>
            {
                e.Ack(new JArray(seen.ToArray()));
                seen.Clear();
            });

            var outgoing = new List<string>();
            Action<string, IReadOnlyList<object?>> outListener = (name, args) => outgoing.Add(name + ":" + args.Count);
            socket.OnAnyOutgoing(outListener);
            socket.PrependAnyOutgoing((name, _) => outgoing.Add("first:" + name));
            socket.On("emit-some", _ =>
            {
                socket.Emit("direct", 1, 2);
                socket.Namespace.To(socket.Id).Emit("broadcast", "x");
                socket.Broadcast.Emit("not-to-me");
            });
            socket.On("off-outgoing", _ => socket.OffAnyOutgoing(outListener));
            socket.On("off-outgoing-all", _ => socket.OffAnyOutgoing());
            socket.On("report-outgoing", e =>
            {
                e.Ack(new JArray(outgoing.ToArray()));
                outgoing.Clear();
            });
        });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private static async Task<string[]> ReportAsync(SioClient client, string eventName = "report") =>
        [.. (await client.EmitWithAckAsync(eventName))[0]!.Select(t => (string)t!)];

    [Test]
    public async Task Any_listeners_see_every_event_in_order_before_its_handler_even_without_one()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/any");
        await client.EmitAsync("handled", "1,\"two\"");
        await client.EmitAsync("nobody handles this");
        Assert.That(await ReportAsync(client), Is.EqualTo(new[]
        {
            "prepended:handled", "first:handled", "second:handled", "removable:handled", "handler:handled:[1,\"two\"]",
            "prepended:nobody handles this", "first:nobody handles this", "second:nobody handles this", "removable:nobody handles this",
            "prepended:report", "first:report", "second:report", "removable:report",
        }));
    }

    [Test]
    public async Task OffAny_removes_one_listener_or_all_of_them()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/any");
        await client.EmitAsync("off-one");
        await ReportAsync(client);
        await client.EmitAsync("ping-event");
        Assert.That(await ReportAsync(client), Is.EqualTo(new[]
        {
            "prepended:report", "first:report", "second:report",
            "prepended:ping-event", "first:ping-event", "second:ping-event",
            "prepended:report", "first:report", "second:report",
        }).Or.EqualTo(new[]
        {
            "prepended:ping-event", "first:ping-event", "second:ping-event",
            "prepended:report", "first:report", "second:report",
        }));
        await client.EmitAsync("off-all");
        await ReportAsync(client);
        await client.EmitAsync("ignored");
        Assert.That(await ReportAsync(client), Is.Empty);
    }

    [Test]
    public async Task Outgoing_listeners_see_emits_and_broadcasts_to_this_socket_only_until_removed()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/any");
        await client.EmitAsync("emit-some");
        Assert.That(await client.EventsUntilAsync("broadcast"), Is.EqualTo(new[] { "direct" }));
        Assert.That(await ReportAsync(client, "report-outgoing"), Is.EqualTo(new[] { "first:direct", "direct:2", "first:broadcast", "broadcast:1" }),
            "the broadcast that excluded this socket is not seen; acks are not events");

        await client.EmitAsync("off-outgoing");
        await client.EmitAsync("emit-some");
        await client.EventsUntilAsync("broadcast");
        Assert.That(await ReportAsync(client, "report-outgoing"), Is.EqualTo(new[] { "first:direct", "first:broadcast" }));

        await client.EmitAsync("off-outgoing-all");
        await client.EmitAsync("emit-some");
        await client.EventsUntilAsync("broadcast");
        Assert.That(await ReportAsync(client, "report-outgoing"), Is.Empty);
    }
}
