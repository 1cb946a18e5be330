using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SocketIOClient;
using SocketIOClient.Transport;
using SocketIoChat.Host.Chat;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The chat's <c>/chat</c> namespace with the .NET SocketIOClient: login and nicknames, messages
/// and their limits, resend and resume after a reconnect, direct messages; and the store's migrations.
/// </summary>
public sealed class ChatNamespaceTests
{
    private ChatTestServer _chat = null!;

    [SetUp]
    public async Task StartServer() => _chat = await ChatTestServer.StartAsync();

    [TearDown]
    public async Task StopServer() => await _chat.DisposeAsync();

    [Test]
    public async Task A_login_gets_a_session_token_and_the_rooms()
    {
        await using var alice = new ChatPeer(_chat.Server.Url, "alice");
        await alice.ConnectAsync();

        var session = await alice.NextAsync("session");
        Assert.That(session.GetProperty("nickname").GetString(), Is.EqualTo("alice"));
        Assert.That(session.GetProperty("token").GetString(), Has.Length.GreaterThanOrEqualTo(32));
        var rooms = await alice.NextAsync("rooms");
        Assert.That(rooms.EnumerateArray().Select(r => r.GetProperty("name").GetString()), Does.Contain("general"));
    }

    [TestCase("")]
    [TestCase("has space")]
    [TestCase("<b>")]
    [TestCase("a-nickname-far-too-long-for-the-chat")]
    public async Task An_invalid_nickname_is_refused_with_a_connect_error(string nickname)
    {
        await using var peer = new ChatPeer(_chat.Server.Url, nickname);
        var error = await peer.ConnectExpectingErrorAsync();
        Assert.That(error, Does.Contain("nickname"));
    }

    [Test]
    public async Task A_nickname_in_use_is_refused_but_its_token_resumes_it()
    {
        await using var alice = new ChatPeer(_chat.Server.Url, "alice");
        await alice.ConnectAsync();
        var token = (await alice.NextAsync("session")).GetProperty("token").GetString();

        await using var impostor = new ChatPeer(_chat.Server.Url, "ALICE");
        Assert.That(await impostor.ConnectExpectingErrorAsync(), Does.Contain("taken"));

        // The same client after a reconnect (its old connection gone, within the grace period).
        await alice.Client.DisconnectAsync();
        await Eventually.True(() => !_chat.Server.App.Services.GetRequiredService<ChatServer>().Sessions.IsOnline("alice"), "alice is offline");
        await using var stranger = new ChatPeer(_chat.Server.Url, "alice");
        Assert.That(await stranger.ConnectExpectingErrorAsync(), Does.Contain("taken"), "reserved during the grace period");
        await using var again = new ChatPeer(_chat.Server.Url, "alice", token);
        await again.ConnectAsync();
        Assert.That((await again.NextAsync("session")).GetProperty("token").GetString(), Is.EqualTo(token));
    }

    [Test]
    public async Task A_nickname_is_free_at_once_after_a_logout()
    {
        await using var alice = new ChatPeer(_chat.Server.Url, "alice");
        await alice.ConnectAsync();
        await alice.NextAsync("session");

        var answer = await alice.RequestAsync("logout", new { });
        await alice.Client.DisconnectAsync();

        Assert.That(answer.GetProperty("ok").GetBoolean(), Is.True);
        await Eventually.True(() => !_chat.Server.App.Services.GetRequiredService<ChatServer>().Sessions.IsOnline("alice"), "alice is offline");
        await using var next = new ChatPeer(_chat.Server.Url, "alice");
        await next.ConnectAsync();
        Assert.That((await next.NextAsync("session")).GetProperty("nickname").GetString(), Is.EqualTo("alice"));
    }

    [Test]
    public async Task A_message_is_acknowledged_with_its_id_and_broadcast_to_the_room_only()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        await using var bob = await LoggedInAsync("bob", "general");
        await using var carol = await LoggedInAsync("carol");

        var ack = await alice.RequestAsync("message", new { room = "general", text = "hello <b>bob</b>", clientId = "c1" });

        Assert.That(ack.GetProperty("ok").GetBoolean(), Is.True, ack.ToString());
        var message = ack.GetProperty("message");
        var received = await bob.NextAsync("message");
        Assert.Multiple(() =>
        {
            Assert.That(received.GetProperty("id").GetInt64(), Is.EqualTo(message.GetProperty("id").GetInt64()));
            Assert.That(received.GetProperty("author").GetString(), Is.EqualTo("alice"));
            Assert.That(received.GetProperty("text").GetString(), Is.EqualTo("hello <b>bob</b>"));
            Assert.That(received.GetProperty("room").GetString(), Is.EqualTo("general"));
        });
        // carol is not in the room; a later message to her (direct) would come after this one.
        await bob.RequestAsync("message", new { to = "carol", text = "ping", clientId = "b1" });
        Assert.That((await carol.NextAsync("message")).GetProperty("text").GetString(), Is.EqualTo("ping"));
        Assert.That(alice.HasPending("message"), Is.False, "the sender gets its message in the ack, not as a broadcast");
    }

    [Test]
    public async Task A_message_of_2000_characters_passes_and_one_of_2001_is_refused()
    {
        await using var alice = await LoggedInAsync("alice", "general");

        // An emoji is one character (two UTF-16 units): 2,000 of them are within the limit.
        var ok = await alice.RequestAsync("message", new { room = "general", text = string.Concat(Enumerable.Repeat("😀", 2000)), clientId = "a" });
        var tooLong = await alice.RequestAsync("message", new { room = "general", text = new string('x', 2001), clientId = "b" });

        Assert.That(ok.GetProperty("ok").GetBoolean(), Is.True, ok.ToString());
        Assert.That(tooLong.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(tooLong.GetProperty("code").GetString(), Is.EqualTo("too_long"));
        Assert.That(tooLong.GetProperty("error").GetString(), Does.Contain("2,000"));
    }

    [Test]
    public async Task A_burst_of_ten_messages_passes_and_more_are_refused_until_the_bucket_refills()
    {
        await using var alice = await LoggedInAsync("alice", "general");

        // Sent without waiting for each answer: far faster than one per second.
        var answers = await Task.WhenAll(Enumerable.Range(0, 15).Select(i =>
            alice.RequestAsync("message", new { room = "general", text = $"m{i}", clientId = $"burst-{i}" })));

        var codes = answers.Select(a => a.GetProperty("ok").GetBoolean() ? "ok" : a.GetProperty("code").GetString()).ToList();
        Assert.That(codes.Take(10), Has.All.EqualTo("ok"), string.Join(",", codes));
        // One token may come back during the burst; not more.
        Assert.That(codes.Skip(10).Count(c => c == "rate_limited"), Is.GreaterThanOrEqualTo(4), string.Join(",", codes));
        Assert.That(answers.First(a => !a.GetProperty("ok").GetBoolean()).GetProperty("error").GetString(), Does.Contain("too fast"));

        // The bucket refills by one per second.
        JsonElement later = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            later = await alice.RequestAsync("message", new { room = "general", text = "later", clientId = $"later-{attempt}" });
            if (later.GetProperty("ok").GetBoolean())
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.That(later.GetProperty("ok").GetBoolean(), Is.True, "a message is allowed again after a while");
    }

    [Test]
    public async Task A_resent_message_with_the_same_client_id_is_stored_and_broadcast_once()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        await using var bob = await LoggedInAsync("bob", "general");

        var first = await alice.RequestAsync("message", new { room = "general", text = "once", clientId = "same" });
        var again = await alice.RequestAsync("message", new { room = "general", text = "once", clientId = "same" });
        await alice.RequestAsync("message", new { room = "general", text = "next", clientId = "other" });

        Assert.That(again.GetProperty("message").GetProperty("id").GetInt64(), Is.EqualTo(first.GetProperty("message").GetProperty("id").GetInt64()));
        Assert.That((await bob.NextAsync("message")).GetProperty("text").GetString(), Is.EqualTo("once"));
        Assert.That((await bob.NextAsync("message")).GetProperty("text").GetString(), Is.EqualTo("next"), "no second copy before it");
    }

    [Test]
    public async Task Sync_after_a_reconnect_returns_exactly_the_messages_after_the_last_id()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        var seen = (await alice.RequestAsync("message", new { room = "general", text = "before", clientId = "1" })).GetProperty("message").GetProperty("id").GetInt64();
        await using var bob = await LoggedInAsync("bob", "general");
        await bob.RequestAsync("message", new { room = "general", text = "missed 1", clientId = "2" });
        await bob.RequestAsync("message", new { room = "general", text = "missed 2", clientId = "3" });

        await using var resumed = new ChatPeer(_chat.Server.Url, "alice2");
        await resumed.ConnectAsync();
        await resumed.NextAsync("session");
        var answer = await resumed.RequestAsync("sync", new { rooms = new[] { new { room = "general", after = seen } } });

        var room = answer.GetProperty("rooms")[0];
        Assert.That(room.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "missed 1", "missed 2" }));
        Assert.That(room.GetProperty("users").EnumerateArray().Select(u => u.GetString()), Is.EquivalentTo(new[] { "alice", "alice2", "bob" }));
    }

    [Test]
    public async Task A_direct_message_reaches_the_addressee_only_and_is_in_both_histories()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        await using var bob = await LoggedInAsync("bob", "general");
        await using var carol = await LoggedInAsync("carol", "general");

        var ack = await alice.RequestAsync("message", new { to = "bob", text = "psst", clientId = "d1" });
        Assert.That(ack.GetProperty("ok").GetBoolean(), Is.True, ack.ToString());
        var dm = await bob.NextAsync("message");
        Assert.That(dm.GetProperty("to").GetString(), Is.EqualTo("bob"));
        Assert.That(dm.GetProperty("text").GetString(), Is.EqualTo("psst"));

        await alice.RequestAsync("message", new { room = "general", text = "public", clientId = "d2" });
        Assert.That((await carol.NextAsync("message")).GetProperty("text").GetString(), Is.EqualTo("public"), "carol's first message is the public one");

        var history = await bob.RequestAsync("dm:open", new { with = "alice" });
        Assert.That(history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "psst" }));
        Assert.That(history.GetProperty("online").GetBoolean(), Is.True);
        Assert.That(history.GetProperty("lastSeen").GetInt64(), Is.GreaterThan(0), "last seen at login");
        var nobody = await alice.RequestAsync("message", new { to = "nobody", text = "?", clientId = "d3" });
        Assert.That(nobody.GetProperty("code").GetString(), Is.EqualTo("no_user"));
    }

    [Test]
    public async Task Writing_in_a_room_one_has_not_joined_is_refused()
    {
        await using var alice = await LoggedInAsync("alice");
        var answer = await alice.RequestAsync("message", new { room = "general", text = "hi", clientId = "x" });
        Assert.That(answer.GetProperty("code").GetString(), Is.EqualTo("not_in_room"));
    }

    [Test]
    public async Task Rooms_are_created_once_and_announced_to_everyone()
    {
        await using var alice = await LoggedInAsync("alice");
        await using var bob = await LoggedInAsync("bob");

        var created = await alice.RequestAsync("room:create", new { room = "random" });
        var duplicate = await bob.RequestAsync("room:create", new { room = "RANDOM" });

        Assert.That(created.GetProperty("ok").GetBoolean(), Is.True, created.ToString());
        Assert.That(duplicate.GetProperty("code").GetString(), Is.EqualTo("room_exists"));
        await bob.NextAsync("rooms"); // the list at login
        var announced = await bob.NextAsync("rooms");
        Assert.That(announced.EnumerateArray().Select(r => r.GetProperty("name").GetString()), Is.EqualTo(new[] { "general", "random" }));
    }

    [Test]
    public async Task Presence_follows_joins_leaves_and_disconnects()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        Assert.That(Users(await alice.NextAsync("presence")), Is.EqualTo(new[] { "alice" }));
        var bob = await LoggedInAsync("bob", "general");
        Assert.That(Users(await alice.NextAsync("presence")), Is.EqualTo(new[] { "alice", "bob" }));
        await bob.RequestAsync("room:leave", new { room = "general" });
        Assert.That(Users(await alice.NextAsync("presence")), Is.EqualTo(new[] { "alice" }));
        await bob.RequestAsync("room:join", new { room = "general" });
        Assert.That(Users(await alice.NextAsync("presence")), Is.EqualTo(new[] { "alice", "bob" }));
        await bob.DisposeAsync();
        Assert.That(Users(await alice.NextAsync("presence")), Is.EqualTo(new[] { "alice" }));
    }

    [Test]
    public async Task Typing_reaches_the_others_in_the_room()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        await using var bob = await LoggedInAsync("bob", "general");
        await alice.Client.EmitAsync("typing", new { room = "general", typing = true });
        var typing = await bob.NextAsync("typing");
        Assert.That(typing.GetProperty("nickname").GetString(), Is.EqualTo("alice"));
        Assert.That(typing.GetProperty("typing").GetBoolean(), Is.True);
    }

    [Test]
    public async Task Older_history_comes_in_pages_of_fifty()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        var store = _chat.Server.App.Services.GetRequiredService<ChatStore>();
        for (var i = 0; i < 120; i++)
        {
            await store.AddMessageAsync("general", null, "alice", $"m{i}", null, DateTimeOffset.UtcNow);
        }

        var joined = await alice.RequestAsync("room:join", new { room = "general" });
        var first = Texts(joined);
        var older = await alice.RequestAsync("history", new { room = "general", before = joined.GetProperty("messages")[0].GetProperty("id").GetInt64() });
        var oldest = await alice.RequestAsync("history", new { room = "general", before = older.GetProperty("messages")[0].GetProperty("id").GetInt64() });

        Assert.That(first, Is.EqualTo(Enumerable.Range(70, 50).Select(i => $"m{i}")));
        Assert.That(joined.GetProperty("hasMore").GetBoolean(), Is.True);
        Assert.That(Texts(older), Is.EqualTo(Enumerable.Range(20, 50).Select(i => $"m{i}")));
        Assert.That(Texts(oldest), Is.EqualTo(Enumerable.Range(0, 20).Select(i => $"m{i}")));
        Assert.That(oldest.GetProperty("hasMore").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Bad_input_is_answered_with_an_error_and_the_socket_stays_usable()
    {
        await using var alice = await LoggedInAsync("alice", "general");
        foreach (var bad in new object[] { "just a string", 42, new { room = 7, text = new[] { 1 } }, new { to = "alice", text = "me" } })
        {
            var answer = await alice.RequestAsync("message", bad);
            Assert.That(answer.GetProperty("ok").GetBoolean(), Is.False, answer.ToString());
        }
        var fine = await alice.RequestAsync("message", new { room = "general", text = "still here", clientId = "ok" });
        Assert.That(fine.GetProperty("ok").GetBoolean(), Is.True);
    }

    [Test]
    public void The_store_creates_the_schema_and_upgrades_an_old_database()
    {
        var path = Path.Combine(Path.GetTempPath(), "socketiochat-tests", Guid.NewGuid().ToString("N") + ".db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // A database left at version 1 by an older server.
            using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = ChatMigrations.Steps[0] + "\nPRAGMA user_version = 1;";
                command.ExecuteNonQuery();
            }

            using (var store = new ChatStore(path))
            {
                Assert.That(store.SchemaVersion, Is.EqualTo(ChatMigrations.Steps.Length));
                Assert.That(store.LoadRoomNames(), Is.EqualTo(new[] { "general" }));
            }
            using (var reopened = new ChatStore(path))
            {
                Assert.That(reopened.SchemaVersion, Is.EqualTo(ChatMigrations.Steps.Length), "migrations run once");
            }
        }
        finally
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public async Task A_message_with_half_an_emoji_is_delivered_not_refused()
    {
        // What socket.io-client sends for "ab😀".slice(0, 3): the lone surrogate as an escape. Before,
        // the packet was refused and the connection closed, and the tab resent it after every reconnect.
        await using var bob = await LoggedInAsync("bob", "general");
        var (raw, _) = await EngineWebSocket.OpenAsync(_chat.Server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await using var alice = raw;
        await alice.SendAsync("40/chat,{\"nickname\":\"alice\"}");
        Assert.That((await alice.NextSkippingPingsAsync()).Text, Does.StartWith("40/chat,{\"sid\""));
        await alice.SendAsync("42/chat,1[\"room:join\",{\"room\":\"general\"}]");
        await alice.SendAsync("42/chat,2[\"message\",{\"room\":\"general\",\"text\":\"ab\\ud83d\",\"clientId\":\"half-1\"}]");
        string? ack = null;
        while (ack is null)
        {
            var text = (await alice.NextSkippingPingsAsync()).Text;
            Assert.That(text, Is.Not.Null, "the connection was closed");
            if (text!.StartsWith("43/chat,2", StringComparison.Ordinal))
            {
                ack = text;
            }
        }
        Assert.That(ack, Does.Contain("\"ok\":true").And.Contain("\"text\":\"ab\\ud83d\""));

        var delivered = await bob.NextAsync("message");
        Assert.That(delivered.GetProperty("clientId").GetString(), Is.EqualTo("half-1"));
        // As JSON (System.Text.Json will not make a .NET string of a lone surrogate): the same escape.
        Assert.That(delivered.GetProperty("text").GetRawText(), Is.EqualTo("\"ab\\ud83d\""));
    }

    private static string[] Users(JsonElement presence) => [.. presence.GetProperty("users").EnumerateArray().Select(u => u.GetString()!)];

    private static string[] Texts(JsonElement page) => [.. page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!)];

    private async Task<ChatPeer> LoggedInAsync(string nickname, params string[] rooms)
    {
        var peer = new ChatPeer(_chat.Server.Url, nickname);
        await peer.ConnectAsync();
        await peer.NextAsync("session");
        foreach (var room in rooms)
        {
            var joined = await peer.RequestAsync("room:join", new { room });
            Assert.That(joined.GetProperty("ok").GetBoolean(), Is.True, joined.ToString());
        }
        return peer;
    }
}

/// <summary>A SocketIOClient connected to <c>/chat</c> as a nickname, with what it received by event name.</summary>
internal sealed class ChatPeer : IAsyncDisposable
{
    private static readonly string[] Events = ["session", "rooms", "message", "presence", "typing"];
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _received = new();
    private readonly TaskCompletionSource<string> _error = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChatPeer(string url, string nickname, string? token = null)
    {
        Client = new SocketIO(url + ChatServer.NamespaceName, new SocketIOOptions
        {
            EIO = 4,
            Transport = TransportProtocol.WebSocket,
            Reconnection = false,
            ConnectionTimeout = Eventually.Limit,
            Auth = token is null ? new { nickname } : new { nickname, token },
        });
        foreach (var name in Events)
        {
            var channel = _received.GetOrAdd(name, _ => Channel.CreateUnbounded<JsonElement>());
            Client.On(name, response => channel.Writer.TryWrite(response.GetValue<JsonElement>(0)));
        }
        Client.OnError += (_, message) => _error.TrySetResult(message);
    }

    public SocketIO Client { get; }

    public async Task ConnectAsync()
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Client.OnConnected += (_, _) => connected.TrySetResult();
        await Client.ConnectAsync().Within();
        await Task.WhenAny(connected.Task, _error.Task).Within();
        if (_error.Task.IsCompleted)
        {
            Assert.Fail("Refused: " + await _error.Task);
        }
    }

    /// <summary>Connects and returns the CONNECT_ERROR message the server answers with.</summary>
    public async Task<string> ConnectExpectingErrorAsync()
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Client.OnConnected += (_, _) => connected.TrySetResult();
        await Client.ConnectAsync().Within();
        await Task.WhenAny(connected.Task, _error.Task).Within();
        Assert.That(connected.Task.IsCompleted, Is.False, "the server accepted the connection");
        return await _error.Task;
    }

    public Task<JsonElement> NextAsync(string name) => _received[name].Reader.ReadAsync().AsTask().Within();

    public bool HasPending(string name) => _received.TryGetValue(name, out var channel) && channel.Reader.TryPeek(out _);

    /// <summary>Emits with an acknowledgement and returns its first argument.</summary>
    public async Task<JsonElement> RequestAsync(string name, object payload)
    {
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await Client.EmitAsync(name, response => answer.TrySetResult(response.GetValue<JsonElement>(0)), payload);
        return await answer.Task.Within();
    }

    /// <summary>Disconnects first: SocketIOClient's Dispose alone leaves the connection open until the server gives up on it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Client.Connected)
        {
            await Client.DisconnectAsync();
        }
        Client.Dispose();
    }
}
