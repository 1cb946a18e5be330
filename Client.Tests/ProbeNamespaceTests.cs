using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The <c>/probe</c> namespace of <c>--profile conformance</c>, driven over the wire as a black-box
/// checker would: each command's ack, who received what, and what did not arrive (checked with a
/// marker: an unknown event the server echoes as <c>any</c> to the sender only, queued after
/// anything the command sent).
/// </summary>
public sealed class ProbeNamespaceTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await TestServer.StartAsync("conformance");

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    private Task<SioClient> ConnectAsync(string nsp = "/probe", string auth = "") => SioClient.ConnectAsync(_server, nsp, auth);

    /// <summary>The names of the events <paramref name="client"/> received before its marker came back.</summary>
    private static async Task<List<string>> ReceivedAsync(SioClient client)
    {
        await client.EmitAsync("marker");
        return await client.EventsUntilAsync("any").Within(Eventually.Limit);
    }

    [Test]
    public async Task Join_and_leave_answer_true_and_rooms_lists_the_own_id_and_joined_rooms()
    {
        await using var a = await ConnectAsync();
        Assert.That((bool)await a.CommandAsync("join", "\"red\""), Is.True);
        Assert.That((bool)await a.CommandAsync("join", "\"blue\""), Is.True);
        Assert.That((bool)await a.CommandAsync("leave", "\"blue\""), Is.True);
        var rooms = ((JArray)await a.CommandAsync("rooms")).Select(r => (string)r!).ToList();
        Assert.That(rooms, Is.EquivalentTo(new[] { a.Id, "red" }));
    }

    [Test]
    public async Task To_reaches_the_room_and_the_sender_when_it_is_a_member_but_nobody_else()
    {
        await using var member = await ConnectAsync();
        await using var sender = await ConnectAsync();
        await using var outsider = await ConnectAsync();
        await member.CommandAsync("join", "\"to-room\"");
        await sender.CommandAsync("join", "\"to-room\"");

        await sender.EmitAsync("to", "\"to-room\",\"news\",{\"n\":1}", 5);

        var (_, name, args) = await member.NextEventAsync().Within(Eventually.Limit);
        Assert.That((name, args[0].ToString(Newtonsoft.Json.Formatting.None)), Is.EqualTo(("news", "{\"n\":1}")));
        // The sender is a member: its copy is queued before the command's ack, and only one.
        Assert.That((await sender.NextEventAsync().Within(Eventually.Limit)).Name, Is.EqualTo("news"));
        Assert.That(await sender.NextAsync().Within(Eventually.Limit), Is.EqualTo("3/probe,5[true]"));
        Assert.That(await ReceivedAsync(sender), Is.Empty, "one copy only");
        Assert.That(await ReceivedAsync(outsider), Is.Empty);
    }

    [Test]
    public async Task Broadcast_to_leaves_out_the_sender_even_as_a_member()
    {
        await using var member = await ConnectAsync();
        await using var sender = await ConnectAsync();
        await member.CommandAsync("join", "\"bt-room\"");
        await sender.CommandAsync("join", "\"bt-room\"");

        await sender.EmitAsync("broadcast-to", "\"bt-room\",\"news\",\"hi\"", 8);

        // Read raw: a copy for the sender would come before the ack.
        Assert.That(await sender.NextAsync().Within(Eventually.Limit), Is.EqualTo("3/probe,8[true]"));
        Assert.That(await ReceivedAsync(member), Is.EqualTo(new[] { "news" }));
    }

    [Test]
    public async Task Except_reaches_the_namespace_but_the_room()
    {
        await using var inside = await ConnectAsync();
        await using var sender = await ConnectAsync();
        await using var elsewhere = await ConnectAsync("/probe-7");
        await inside.CommandAsync("join", "\"ex-room\"");

        await sender.EmitAsync("except", "\"ex-room\",\"news\",1", 6);

        Assert.That((await sender.NextEventAsync().Within(Eventually.Limit)).Name, Is.EqualTo("news"), "the sender is not in the room");
        Assert.That(await sender.NextAsync().Within(Eventually.Limit), Is.EqualTo("3/probe,6[true]"));
        Assert.That(await ReceivedAsync(inside), Is.Empty);
        Assert.That(await ReceivedAsync(elsewhere), Is.Empty, "another namespace");
    }

    [Test]
    public async Task Fetch_lists_the_sockets_of_a_room_with_their_rooms_and_data()
    {
        await using var a = await ConnectAsync("/probe-41");
        await using var b = await ConnectAsync("/probe-41");
        await a.CommandAsync("join", "\"f-room\"");
        Assert.That((bool)await a.CommandAsync("set-data", "{\"name\":\"ann\",\"n\":[1,2]}"), Is.True);

        var inRoom = (JArray)await b.CommandAsync("fetch", "\"f-room\"");
        Assert.That(inRoom, Has.Count.EqualTo(1));
        Assert.That((string?)inRoom[0]["id"], Is.EqualTo(a.Id));
        Assert.That(inRoom[0]["rooms"]!.Select(r => (string)r!), Is.EquivalentTo(new[] { a.Id, "f-room" }));
        Assert.That(inRoom[0]["data"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{\"name\":\"ann\",\"n\":[1,2]}"));

        var all = (JArray)await b.CommandAsync("fetch", "null");
        Assert.That(all.Select(s => (string)s["id"]!), Is.EquivalentTo(new[] { a.Id, b.Id }), "null: the whole namespace (this child only)");
        Assert.That(all.Single(s => (string)s["id"]! == b.Id)["data"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{}"));
    }

    [Test]
    public async Task Ask_all_collects_the_answers_that_came_within_the_timeout()
    {
        await using var asker = await ConnectAsync("/probe-51");
        await using var answering = await ConnectAsync("/probe-51");
        await using var silent = await ConnectAsync("/probe-51");
        await asker.EmitAsync("ask-all", "\"poll\",1500", 7);

        var (ackId, name, _) = await answering.NextEventAsync().Within(Eventually.Limit);
        Assert.That((name, ackId >= 0), Is.EqualTo(("poll", true)), "asked with an ack");
        await answering.AckAsync(ackId, "[\"yes\"]");
        var (silentAck, silentName, _) = await silent.NextEventAsync().Within(Eventually.Limit);
        Assert.That((silentName, silentAck >= 0), Is.EqualTo(("poll", true)));

        var answer = await asker.NextAsync().Within(Eventually.Limit);
        Assert.That(answer, Is.EqualTo("3/probe-51,7[[\"yes\"]]"), "one answer came; the silent socket timed out");
    }

    [Test]
    public async Task Ask_me_answers_with_the_client_answer_or_timeout()
    {
        await using var a = await ConnectAsync();
        await a.EmitAsync("ask-me", "5000", 1);
        var (ackId, name, _) = await a.NextEventAsync().Within(Eventually.Limit);
        Assert.That(name, Is.EqualTo("question"));
        await a.AckAsync(ackId, "[42]");
        Assert.That(await a.NextAsync().Within(Eventually.Limit), Is.EqualTo("3/probe,1[42]"));

        await a.EmitAsync("ask-me", "200", 2);
        var (_, again, _) = await a.NextEventAsync().Within(Eventually.Limit);
        Assert.That(again, Is.EqualTo("question"));
        Assert.That(await a.NextAsync().Within(Eventually.Limit), Is.EqualTo("3/probe,2[\"timeout\"]"), "not answered");
    }

    [Test]
    public async Task Sockets_join_moves_a_room_into_another_and_disconnect_room_disconnects_its_sockets()
    {
        await using var a = await ConnectAsync("/probe-61");
        await using var b = await ConnectAsync("/probe-61");
        await using var admin = await ConnectAsync("/probe-61");
        await a.CommandAsync("join", "\"src\"");

        Assert.That((bool)await admin.CommandAsync("sockets-join", "\"src\",\"dst\""), Is.True);
        var dst = (JArray)await admin.CommandAsync("fetch", "\"dst\"");
        Assert.That(dst.Select(s => (string)s["id"]!), Is.EqualTo(new[] { a.Id }));

        Assert.That((bool)await admin.CommandAsync("disconnect-room", "\"dst\""), Is.True);
        Assert.That(await a.NextAsync().Within(Eventually.Limit), Is.EqualTo("1/probe-61,"), "a DISCONNECT for the member");
        Assert.That(await ReceivedAsync(b), Is.Empty, "b was not in the room and is still connected");
    }

    [Test]
    public async Task Any_other_event_comes_back_as_any_with_its_name_and_arguments()
    {
        await using var a = await ConnectAsync();
        await a.EmitAsync("whatever", "1,\"two\",{\"3\":[true]}");
        var (_, name, args) = await a.NextEventAsync().Within(Eventually.Limit);
        Assert.That(name, Is.EqualTo("any"));
        Assert.That(args[0].ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"whatever\",1,\"two\",{\"3\":[true]}]"));
    }

    [Test]
    public async Task A_bad_token_is_refused_with_unauthorized_and_code_401()
    {
        var (ws, answer) = await SioClient.TryConnectAsync(_server, "/probe", "{\"token\":\"bad\"}");
        await using var _ = ws;
        Assert.That(answer, Is.EqualTo("44/probe,{\"message\":\"unauthorized\",\"data\":{\"code\":401}}"));

        var (child, childAnswer) = await SioClient.TryConnectAsync(_server, "/probe-3", "{\"token\":\"bad\"}");
        await using var __ = child;
        Assert.That(childAnswer, Is.EqualTo("44/probe-3,{\"message\":\"unauthorized\",\"data\":{\"code\":401}}"), "children share the middleware");

        await using var good = await ConnectAsync("/probe", "{\"token\":\"good\"}");
        Assert.That((bool)await good.CommandAsync("join", "\"r\""), Is.True, "any other token is let in");
    }

    [TestCase("/probe-x")]
    [TestCase("/probe-")]
    [TestCase("/other")]
    public async Task Other_namespaces_are_refused(string nsp)
    {
        var (ws, answer) = await SioClient.TryConnectAsync(_server, nsp);
        await using var _ = ws;
        Assert.That(answer, Is.EqualTo($"44{nsp},{{\"message\":\"Invalid namespace\"}}"));
    }

    [Test]
    public async Task A_dropped_probe_client_recovers_its_id_rooms_and_missed_events_while_the_main_namespace_has_no_recovery()
    {
        var (ws, answer) = await SioClient.TryConnectAsync(_server, "/probe-71");
        var connect = System.Text.RegularExpressions.Regex.Match(answer, "^40/probe-71,\\{\"sid\":\"([^\"]+)\",\"pid\":\"([^\"]+)\"\\}$");
        Assert.That(connect.Success, Is.True, answer);
        var (sid, pid) = (connect.Groups[1].Value, connect.Groups[2].Value);
        var dropped = new SioClient(ws, "/probe-71", sid);
        await using var other = await ConnectAsync("/probe-71");
        await dropped.CommandAsync("join", "\"rr\"");
        await other.CommandAsync("to", "\"rr\",\"first\",1");
        var (_, name, args) = await dropped.NextEventAsync().Within(Eventually.Limit);
        Assert.That((name, args.Count), Is.EqualTo(("first", 2)), "the payload, then the offset");
        var offset = (string)args[1]!;

        await ws.DisposeAsync();
        await Eventually.Until(() => other.CommandAsync("fetch", "\"rr\""), fetched => !fetched.Any(), "the server should see the dropped connection");
        await other.CommandAsync("to", "\"rr\",\"missed\",2");

        var (back, _) = await EngineWebSocket.OpenAsync(_server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await back.SendAsync($"40/probe-71,{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}");
        Assert.That(await back.NextTextAsync().Within(Eventually.Limit), Does.Match("^42/probe-71,\\[\"missed\",2,\"[^\"]+\"\\]$"));
        Assert.That(await back.NextTextAsync().Within(Eventually.Limit), Is.EqualTo($"40/probe-71,{{\"sid\":\"{sid}\",\"pid\":\"{pid}\"}}"));
        await using var recovered = new SioClient(back, "/probe-71", sid);
        Assert.That((bool)await recovered.CommandAsync("recover-probe"), Is.True);
        Assert.That(((JArray)await recovered.CommandAsync("rooms")).Select(r => (string)r!), Is.EquivalentTo(new[] { sid, "rr" }));

        // The main namespace of this profile keeps the official suites' exact packets: no pid, no offset.
        var (main, mainAnswer) = await SioClient.TryConnectAsync(_server, "/");
        await using var _ = main;
        Assert.That(mainAnswer, Does.Match("^40\\{\"sid\":\"[^\"]+\"\\}$"));
        Assert.That(await main.NextTextAsync().Within(Eventually.Limit), Is.EqualTo("42[\"auth\",{}]"));
        await main.SendAsync("42[\"message\",1]");
        Assert.That(await main.NextTextAsync().Within(Eventually.Limit), Is.EqualTo("42[\"message-back\",1]"));
    }
}
