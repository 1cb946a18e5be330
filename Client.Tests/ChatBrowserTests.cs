using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using SocketIoChat.Host.Chat;
using SocketIoChat.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace SocketIoChat.Tests;

/// <summary>
/// The chat at <c>/chat</c> in headless Chromium, one browser context per user, against the real
/// host on a temporary database, driven only through the documented <c>data-testid</c>s.
/// </summary>
public sealed class ChatBrowserTests
{
    private static readonly float LimitMs = (float)Eventually.Limit.TotalMilliseconds;
    private static readonly IReadOnlyDictionary<string, string> NoCdn = new Dictionary<string, string>();

    private readonly List<(string Name, BrowserTab Tab)> _tabs = [];
    private Browser? _browser;
    private ChatTestServer? _chat;

    private Browser Chromium => _browser ?? throw new InvalidOperationException("The browser was not launched.");

    private ChatTestServer Chat => _chat ?? throw new InvalidOperationException("The server was not started.");

    [OneTimeSetUp]
    public async Task LaunchBrowser() => _browser = await Browser.LaunchAsync();

    [OneTimeTearDown]
    public async Task CloseBrowser()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    [SetUp]
    public async Task StartServer() => _chat = await ChatTestServer.StartAsync();

    [TearDown]
    public async Task CloseTabsAndServer()
    {
        var failed = TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed;
        foreach (var (name, tab) in _tabs)
        {
            if (failed)
            {
                await TestContext.Out.WriteLineAsync($"Tab {name}:\n  " + string.Join("\n  ", tab.Events.DefaultIfEmpty("(nothing noted)")));
            }
            await tab.DisposeAsync();
        }
        _tabs.Clear();
        if (_chat is not null)
        {
            await _chat.DisposeAsync();
            _chat = null;
        }
    }

    [Test]
    public async Task Two_users_chat_in_a_room()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");

        await SendAsync(alice, "Hi Bob, how are you?");
        await Expect(Message(bob, "Hi Bob, how are you?")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Message(bob, "Hi Bob, how are you?")).ToContainTextAsync("alice");
        await Expect(Message(alice, "Hi Bob, how are you?").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });

        await SendAsync(bob, "Great, thanks — très bien!");
        await Expect(Message(alice, "Great, thanks — très bien!")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Message(bob, "Great, thanks — très bien!").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });

        // Oldest at the top, in the same order in both tabs; the other's messages carry no status.
        string[] expected = ["Hi Bob, how are you?", "Great, thanks — très bien!"];
        foreach (var tab in new[] { alice, bob })
        {
            await Expect(tab.Page.GetByTestId("message-list").GetByTestId("message")).ToHaveCountAsync(2, new() { Timeout = LimitMs });
            var texts = await tab.Page.GetByTestId("message").Locator(".text").AllInnerTextsAsync();
            Assert.That(texts, Is.EqualTo(expected));
        }
        await Expect(Message(bob, "Hi Bob, how are you?").GetByTestId("message-status")).ToHaveCountAsync(0);

        await SendAsync(alice, "Shall we try the new rooms later?");
        await Expect(Message(bob, "Shall we try the new rooms later?")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await bob.Page.GetByTestId("message-input").PressSequentiallyAsync("Sure");
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToContainTextAsync("bob is typing", new() { Timeout = LimitMs });
        await Chromium.ScreenshotAsync("chat-two-tabs", alice, bob);
    }

    [Test]
    public async Task A_third_user_who_joins_later_sees_the_history()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");
        await SendAsync(alice, "first");
        await Expect(Message(bob, "first")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await SendAsync(bob, "second");
        await Expect(Message(alice, "second")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        var carol = await LoginAsync("carol");

        await Expect(carol.Page.GetByTestId("message")).ToHaveCountAsync(2, new() { Timeout = LimitMs });
        Assert.That(await carol.Page.GetByTestId("message").Locator(".text").AllInnerTextsAsync(), Is.EqualTo(new[] { "first", "second" }));
        await Expect(Message(carol, "first")).ToContainTextAsync("alice");
    }

    [Test]
    public async Task Presence_and_typing_update_live_in_the_other_tab()
    {
        var alice = await LoginAsync("alice");
        await Expect(UserItem(alice, "alice")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        var bob = await LoginAsync("bob");
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        await bob.Page.GetByTestId("message-input").PressSequentiallyAsync("typing something");
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToContainTextAsync("bob is typing", new() { Timeout = LimitMs });
        await bob.Page.GetByTestId("message-send").ClickAsync();
        await Expect(Message(alice, "typing something")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(alice.Page.GetByTestId("typing-indicator")).Not.ToContainTextAsync("bob", new() { Timeout = LimitMs });

        await bob.Page.GetByTestId("room-leave").ClickAsync();
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(0, new() { Timeout = LimitMs });
        await RoomItem(bob, "general").ClickAsync();
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        await CloseAsync(bob);
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(0, new() { Timeout = LimitMs });
    }

    [Test]
    public async Task A_direct_message_reaches_only_its_addressee()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");
        var carol = await LoginAsync("carol");
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        await UserItem(alice, "bob").ClickAsync();
        // The composer clears its text when the conversation changes: type once it has.
        await Expect(alice.Page.GetByTestId("message-input")).ToHaveAttributeAsync("placeholder", "Message @bob", new() { Timeout = LimitMs });
        await SendAsync(alice, "psst, only for you");
        await Expect(Message(alice, "psst, only for you").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });

        var fromAlice = RoomItem(bob, "alice");
        await Expect(fromAlice.GetByTestId("unread-count")).ToHaveTextAsync("1", new() { Timeout = LimitMs });
        await fromAlice.ClickAsync();
        await Expect(Message(bob, "psst, only for you")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(fromAlice.GetByTestId("unread-count")).ToHaveCountAsync(0);

        // A public message sent after the direct one: once carol has it, the direct one would have arrived before.
        await RoomItem(alice, "general").ClickAsync();
        await Expect(alice.Page.GetByTestId("message-input")).ToHaveAttributeAsync("placeholder", "Message #general", new() { Timeout = LimitMs });
        await SendAsync(alice, "public news");
        await Expect(Message(carol, "public news")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(carol.Page.GetByText("psst")).ToHaveCountAsync(0);
        await Expect(RoomItem(carol, "alice")).ToHaveCountAsync(0);
    }

    [Test]
    public async Task A_script_message_renders_as_text()
    {
        const string payload = "<script>window.__chatXss = 1</script><img src=x onerror=\"window.__chatXss = 2\"><b>bold?</b>";
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");

        await SendAsync(alice, payload);

        var shown = Message(bob, "<script>");
        await Expect(shown).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        Assert.That(await shown.Locator(".text").InnerTextAsync(), Is.EqualTo(payload));
        await Expect(bob.Page.GetByTestId("message-list").Locator("script, img, b")).ToHaveCountAsync(0);
        Assert.That(await bob.Page.EvaluateAsync<bool>("typeof window.__chatXss === 'undefined'"), Is.True, "the payload ran");
        Assert.That(await alice.Page.EvaluateAsync<bool>("typeof window.__chatXss === 'undefined'"), Is.True, "the payload ran in the sender's tab");
    }

    [Test]
    public async Task An_over_long_message_is_refused_with_the_error_banner_for_at_least_3_seconds()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");

        await alice.Page.GetByTestId("message-input").FillAsync(new string('x', 2001));
        await alice.Page.GetByTestId("message-send").ClickAsync();

        var banner = alice.Page.GetByTestId("error-banner");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = LimitMs });
        var shownAt = Stopwatch.StartNew();
        await Expect(banner).ToContainTextAsync("2,000");
        await Expect(banner).ToBeHiddenAsync(new() { Timeout = LimitMs });
        Assert.That(shownAt.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3)), "the banner stays at least 3 s");

        // The refused message went nowhere: bob's first message is the next one.
        await SendAsync(alice, "a shorter one");
        await Expect(Message(bob, "a shorter one")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(bob.Page.GetByTestId("message")).ToHaveCountAsync(1);
        await Expect(alice.Page.GetByTestId("message")).ToHaveCountAsync(1);
    }

    [Test]
    public async Task Messages_sent_too_fast_get_the_error_banner()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");

        var input = alice.Page.GetByTestId("message-input");
        for (var i = 1; i <= 20; i++)
        {
            await input.FillAsync($"quick {i:00}");
            await input.PressAsync("Enter");
        }

        var banner = alice.Page.GetByTestId("error-banner");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = LimitMs });
        await Expect(banner).ToContainTextAsync("too fast");
        // Every answer is in (none pending); what alice kept is exactly what bob got.
        await Expect(alice.Page.Locator("[data-testid=message-status][data-status=pending]")).ToHaveCountAsync(0, new() { Timeout = LimitMs });
        var delivered = await alice.Page.GetByTestId("message").CountAsync();
        Assert.That(delivered, Is.InRange(10, 19), "a burst of about 10 passes, not all 20");
        await Expect(bob.Page.GetByTestId("message")).ToHaveCountAsync(delivered, new() { Timeout = LimitMs });
    }

    [Test]
    public async Task The_history_survives_a_server_restart()
    {
        var alice = await LoginAsync("alice");
        await SendAsync(alice, "written before the restart");
        await Expect(Message(alice, "written before the restart").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });
        await CloseAsync(alice);

        await Chat.RestartAsync();

        var bob = await LoginAsync("bob");
        await Expect(Message(bob, "written before the restart")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Message(bob, "written before the restart")).ToContainTextAsync("alice");
    }

    [Test]
    public async Task A_tab_offline_for_a_few_seconds_gets_the_missed_messages_exactly_once()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");
        await SendAsync(alice, "before the cut");
        await Expect(Message(bob, "before the cut")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        var webSocketsBefore = bob.WebSockets.Count;

        // socket.io-client closes its connection on the browser's "offline" event (for any host but
        // "localhost"); new connections fail until the context is back online.
        await bob.Context.SetOfflineAsync(true);
        await Expect(App(bob)).ToHaveAttributeAsync("data-connection", "offline", new() { Timeout = LimitMs });
        var chat = Chat.Server.App.Services.GetRequiredService<ChatServer>();
        await Eventually.True(() => !chat.Sessions.IsOnline("bob"), "the server sees bob's connection end");

        string[] missed = ["missed one", "missed two", "missed three"];
        foreach (var text in missed)
        {
            await SendAsync(alice, text);
            await Expect(Message(alice, text).GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });
        }
        // Written while offline: pending until the connection is back, then delivered once.
        await SendAsync(bob, "sent from the tunnel");
        await Expect(Message(bob, "sent from the tunnel").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "pending");
        Assert.That(await Message(bob, "missed one").CountAsync(), Is.Zero, "the tab was really cut off");
        // The cut lasts until socket.io-client has tried to reconnect at least once and failed.
        await Eventually.True(() => bob.Events.Any(e => e.StartsWith("request failed", StringComparison.Ordinal) && e.Contains("/socket.io/", StringComparison.Ordinal)),
            "a reconnection attempt fails while offline");

        await bob.Context.SetOfflineAsync(false);
        await Expect(App(bob)).ToHaveAttributeAsync("data-connection", "online", new() { Timeout = LimitMs * 2 });

        foreach (var text in missed)
        {
            await Expect(Message(bob, text)).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        }
        await Expect(Message(bob, "sent from the tunnel").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });
        await Expect(Message(alice, "sent from the tunnel")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        // Exactly once, in order, in both tabs; bob kept his nickname over a new connection.
        string[] all = ["before the cut", .. missed, "sent from the tunnel"];
        foreach (var tab in new[] { alice, bob })
        {
            await Expect(tab.Page.GetByTestId("message")).ToHaveCountAsync(all.Length, new() { Timeout = LimitMs });
            Assert.That(await tab.Page.GetByTestId("message").Locator(".text").AllInnerTextsAsync(), Is.EqualTo(all));
        }
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(bob.Page.Locator(".me-name")).ToHaveTextAsync("bob");
        Assert.That(bob.WebSockets.Count, Is.GreaterThan(webSocketsBefore), "the tab opened a new connection");
    }

    [Test]
    public async Task A_taken_nickname_gets_the_error_banner_and_a_reloaded_tab_keeps_its_own()
    {
        var alice = await LoginAsync("alice");

        var impostor = await OpenAsync("impostor");
        await impostor.Page.GetByTestId("nickname-input").FillAsync("Alice");
        await impostor.Page.GetByTestId("nickname-submit").ClickAsync();
        await Expect(impostor.Page.GetByTestId("error-banner")).ToContainTextAsync("taken", new() { Timeout = LimitMs });
        await Expect(impostor.Page.GetByTestId("nickname-input")).ToBeVisibleAsync();

        await alice.Page.ReloadAsync();
        await Expect(alice.Page.GetByTestId("room-list")).ToBeVisibleAsync(new() { Timeout = LimitMs });
        await Expect(alice.Page.Locator(".me-name")).ToHaveTextAsync("alice");
        await Expect(App(alice)).ToHaveAttributeAsync("data-connection", "online", new() { Timeout = LimitMs });
    }

    [Test]
    public async Task Rooms_can_be_created_joined_and_left_and_count_unread_messages()
    {
        var alice = await LoginAsync("alice");
        var bob = await LoginAsync("bob");

        await alice.Page.GetByTestId("new-room-input").FillAsync("random");
        await alice.Page.GetByTestId("new-room-submit").ClickAsync();
        await Expect(alice.Page.GetByTestId("message-input")).ToHaveAttributeAsync("placeholder", "Message #random", new() { Timeout = LimitMs });

        await RoomItem(bob, "random").ClickAsync();
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await RoomItem(bob, "general").ClickAsync();
        await Expect(bob.Page.GetByTestId("message-input")).ToHaveAttributeAsync("placeholder", "Message #general");

        await SendAsync(alice, "news in random");
        await SendAsync(alice, "more news in random");
        await Expect(RoomItem(bob, "random").GetByTestId("unread-count")).ToHaveTextAsync("2", new() { Timeout = LimitMs });
        await Expect(RoomItem(bob, "general").GetByTestId("unread-count")).ToHaveCountAsync(0);

        await RoomItem(bob, "random").ClickAsync();
        await Expect(Message(bob, "more news in random")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(RoomItem(bob, "random").GetByTestId("unread-count")).ToHaveCountAsync(0);

        await bob.Page.GetByTestId("room-leave").ClickAsync();
        await Expect(UserItem(alice, "bob")).ToHaveCountAsync(0, new() { Timeout = LimitMs });
        await SendAsync(alice, "after bob left");
        await Expect(Message(alice, "after bob left").GetByTestId("message-status")).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = LimitMs });
        await Expect(RoomItem(bob, "random").GetByTestId("unread-count")).ToHaveCountAsync(0);
    }

    [Test]
    public async Task Older_messages_load_when_scrolling_up()
    {
        var store = Chat.Server.App.Services.GetRequiredService<ChatStore>();
        for (var i = 1; i <= 70; i++)
        {
            await store.AddMessageAsync("general", null, "archivist", $"old message {i}", null, DateTimeOffset.UtcNow);
        }

        var alice = await LoginAsync("alice");
        await Expect(alice.Page.GetByTestId("message")).ToHaveCountAsync(50, new() { Timeout = LimitMs });
        await Expect(alice.Page.GetByTestId("message").First).ToContainTextAsync("old message 21");

        await alice.Page.GetByTestId("message-list").EvaluateAsync("list => list.scrollTop = 0");
        await Expect(alice.Page.GetByTestId("message")).ToHaveCountAsync(70, new() { Timeout = LimitMs });
        await Expect(alice.Page.GetByTestId("message").First).ToContainTextAsync("old message 1");
    }

    [Test]
    public async Task The_layout_works_on_a_phone_sized_viewport()
    {
        var alice = await LoginAsync("alice");
        var bob = await OpenAsync("bob");
        await bob.Page.SetViewportSizeAsync(390, 844);
        await LoginInAsync(bob, "bob");

        // After login the rooms drawer is open; picking a room closes it.
        await Expect(bob.Page.GetByTestId("room-list")).ToBeInViewportAsync(new() { Ratio = 1, Timeout = LimitMs });
        await RoomItem(bob, "general").ClickAsync();
        await Expect(bob.Page.GetByTestId("room-list")).Not.ToBeInViewportAsync(new() { Timeout = LimitMs });
        await Expect(bob.Page.GetByTestId("message-input")).ToBeInViewportAsync();

        await SendAsync(alice, "hello phone");
        await Expect(Message(bob, "hello phone")).ToBeInViewportAsync(new() { Timeout = LimitMs });
        await SendAsync(bob, "hello desk");
        await Expect(Message(alice, "hello desk")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        var width = await bob.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.That(width, Is.LessThanOrEqualTo(390), "nothing overflows sideways");
        await Chromium.ScreenshotAsync("chat-phone", bob);

        await bob.Page.GetByRole(AriaRole.Button, new() { Name = "Rooms" }).ClickAsync();
        await Expect(bob.Page.GetByTestId("room-list")).ToBeInViewportAsync(new() { Ratio = 1, Timeout = LimitMs });
    }

    private static ILocator App(BrowserTab tab) => tab.Page.Locator(".app");

    private static ILocator Message(BrowserTab tab, string text) =>
        tab.Page.GetByTestId("message").Filter(new() { HasText = text });

    private static ILocator UserItem(BrowserTab tab, string nickname) =>
        tab.Page.GetByTestId("user-list").GetByTestId("user-item").Filter(new() { HasText = nickname });

    private static ILocator RoomItem(BrowserTab tab, string name) =>
        tab.Page.GetByTestId("room-list").GetByTestId("room-item").Filter(new() { HasText = name });

    private static async Task SendAsync(BrowserTab tab, string text)
    {
        await tab.Page.GetByTestId("message-input").FillAsync(text);
        await tab.Page.GetByTestId("message-send").ClickAsync();
    }

    private async Task<BrowserTab> OpenAsync(string name)
    {
        var tab = await Chromium.OpenAsync(Chat.ChatUrl, NoCdn);
        _tabs.Add((name, tab));
        return tab;
    }

    private async Task CloseAsync(BrowserTab tab)
    {
        _tabs.RemoveAll(t => t.Tab == tab);
        await tab.DisposeAsync();
    }

    /// <summary>Opens the chat in a new context and logs in; the tab is in "general" when this returns.</summary>
    private async Task<BrowserTab> LoginAsync(string nickname)
    {
        var tab = await OpenAsync(nickname);
        await LoginInAsync(tab, nickname);
        return tab;
    }

    private static async Task LoginInAsync(BrowserTab tab, string nickname)
    {
        await tab.Page.GetByTestId("nickname-input").FillAsync(nickname);
        await tab.Page.GetByTestId("nickname-submit").ClickAsync();
        await Expect(tab.Page.GetByTestId("room-list")).ToBeVisibleAsync(new() { Timeout = LimitMs });
        await Expect(tab.Page.GetByTestId("message-input")).ToHaveAttributeAsync("placeholder", "Message #general", new() { Timeout = LimitMs });
        await Expect(tab.Page.GetByTestId("user-list").GetByTestId("user-item").Filter(new() { HasText = nickname })).ToHaveCountAsync(1, new() { Timeout = LimitMs });
    }
}
