using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Dynamic namespaces: a parent made from a regular expression or a predicate creates a child when
/// a client asks for a matching name; the parent's middleware and connection handlers apply to the
/// children, what the parent emits reaches them all, and empty children can be cleaned up.
/// </summary>
public sealed class DynamicNamespaceTests
{
    private TestServer _server = null!;
    private Namespace _regexParent = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartAsync("default");
        _regexParent = _server.Io.Of(new Regex(@"^/dyn-\d+$"));
        _regexParent
            .Use(socket =>
            {
                if ((string?)socket.Auth["token"] == "bad")
                {
                    throw new SocketIoConnectionException("unauthorized", new { code = 401 });
                }
                return Task.CompletedTask;
            })
            .OnConnection(socket => socket.Emit("welcome", socket.Namespace.Name, socket.Namespace.Parent == _regexParent));
        _server.Io.Of((name, auth) => name.StartsWith("/org-", StringComparison.Ordinal) && (string?)auth["member"] == "yes")
            .OnConnection(socket => socket.Emit("welcome", socket.Namespace.Name));
        _server.Io.Of(async (name, _) =>
        {
            await Task.Yield();
            return name == "/async-ok";
        }).OnConnection(socket => socket.Emit("welcome", "async"));
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task A_name_matching_the_regex_creates_a_child_that_runs_the_parents_handlers()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/dyn-42");
        var (_, name, args) = await client.NextEventAsync();
        Assert.That(name, Is.EqualTo("welcome"));
        Assert.That(args.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"/dyn-42\",true]"));
        Assert.That(_regexParent.Children.Select(c => c.Name), Does.Contain("/dyn-42"));
        Assert.That(_server.Io.Namespaces.Select(n => n.Name), Does.Contain("/dyn-42").And.Not.Contain(_regexParent.Name));
    }

    [Test]
    public async Task A_name_no_parent_accepts_is_refused_as_an_invalid_namespace()
    {
        var (socket, answer) = await SioClient.TryConnectAsync(_server, "/dyn-x");
        await using var _ = socket;
        Assert.That(answer, Is.EqualTo("44/dyn-x,{\"message\":\"Invalid namespace\"}"));
    }

    [Test]
    public async Task The_parents_middleware_refuses_for_its_children_with_message_and_data()
    {
        var (socket, answer) = await SioClient.TryConnectAsync(_server, "/dyn-7", "{\"token\":\"bad\"}");
        await using var _ = socket;
        Assert.That(answer, Is.EqualTo("44/dyn-7,{\"message\":\"unauthorized\",\"data\":{\"code\":401}}"));
    }

    [Test]
    public async Task A_predicate_parent_sees_the_name_and_the_auth()
    {
        await using var member = await SioClient.ConnectAsync(_server, "/org-acme", "{\"member\":\"yes\"}");
        Assert.That((await member.NextEventAsync()).Args[0]!.ToString(), Is.EqualTo("/org-acme"));
        var (stranger, answer) = await SioClient.TryConnectAsync(_server, "/org-other", "{\"member\":\"no\"}");
        await using var _ = stranger;
        Assert.That(answer, Is.EqualTo("44/org-other,{\"message\":\"Invalid namespace\"}"));
        await using var asyncOk = await SioClient.ConnectAsync(_server, "/async-ok");
        Assert.That((await asyncOk.NextEventAsync()).Args[0]!.ToString(), Is.EqualTo("async"));
    }

    [Test]
    public async Task What_the_parent_emits_reaches_every_child_and_nothing_else()
    {
        await using var one = await SioClient.ConnectAsync(_server, "/dyn-1");
        await using var two = await SioClient.ConnectAsync(_server, "/dyn-2");
        await using var outsider = await SioClient.ConnectAsync(_server, "/");
        await one.NextEventAsync();
        await two.NextEventAsync();
        _regexParent.Emit("news", "for all children");
        _regexParent.Emit("marker");
        _server.Io.Emit("marker");
        var (_, news, newsArgs) = await one.NextEventAsync();
        Assert.That((news, newsArgs.ToString(Newtonsoft.Json.Formatting.None)), Is.EqualTo(("news", "[\"for all children\"]")));
        Assert.That(await one.EventsUntilAsync("marker"), Is.Empty);
        Assert.That(await two.EventsUntilAsync("marker"), Is.EqualTo(new[] { "news" }));
        Assert.That(await outsider.EventsUntilAsync("marker"), Is.Empty);
    }

    [Test]
    public void Of_with_a_name_the_regex_matches_attaches_the_namespace_to_that_parent()
    {
        var ns = _server.Io.Of("/dyn-9000");
        Assert.That(ns.Parent, Is.SameAs(_regexParent));
        Assert.That(_server.Io.Of("/plain").Parent, Is.Null);
    }

    [Test]
    public async Task Socket_io_client_4_connects_to_dynamic_namespaces_and_is_refused_elsewhere()
    {
        var output = await NodeRunner.RunJsonAsync(
            ["core-features.mjs", _server.Url, "connectMany", "{\"namespaces\":[\"/dyn-5\",\"/nope\"],\"auth\":{\"token\":\"fine\"}}"]);
        var outcomes = (JArray)output["outcomes"]!;
        Assert.That((string)outcomes[0]["outcome"]!, Is.EqualTo("connect"));
        Assert.That(outcomes[0]["welcome"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"/dyn-5\",true]"));
        Assert.That((string)outcomes[1]["outcome"]!["message"]!, Is.EqualTo("Invalid namespace"));
    }

    [Test]
    public async Task With_cleanup_an_empty_child_namespace_is_removed_and_made_again_on_demand()
    {
        await using var server = await TestServer.StartAsync("default", "--SocketIo:CleanupEmptyChildNamespaces", "true");
        var parent = server.Io.Of(new Regex("^/room-"));
        parent.OnConnection(socket => socket.Emit("welcome"));
        var first = await SioClient.ConnectAsync(server, "/room-a");
        await first.NextEventAsync();
        var child = server.Io.Namespaces.Single(n => n.Name == "/room-a");
        await first.LeaveAsync();
        await Eventually.True(() => server.Io.Namespaces.All(n => n.Name != "/room-a"), "the empty child namespace is removed");
        Assert.That(parent.Children, Is.Empty);

        await using var again = await SioClient.ConnectAsync(server, "/room-a");
        Assert.That((await again.NextEventAsync()).Name, Is.EqualTo("welcome"));
        Assert.That(server.Io.Namespaces.Single(n => n.Name == "/room-a"), Is.Not.SameAs(child), "a fresh child");
        await first.DisposeAsync();
    }

    [Test]
    public async Task Without_cleanup_an_empty_child_namespace_stays()
    {
        var client = await SioClient.ConnectAsync(_server, "/dyn-77");
        await client.NextEventAsync();
        var child = _server.Io.Namespaces.Single(n => n.Name == "/dyn-77");
        await client.LeaveAsync();
        await Eventually.True(() => child.Sockets.Count == 0, "the socket left");
        Assert.That(_server.Io.Namespaces, Does.Contain(child));
        await client.DisposeAsync();
    }
}
