using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using SocketIoChat.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace SocketIoChat.Tests;

/// <summary>
/// The unmodified seed page <c>web/index.html</c> in headless Chromium against the default
/// profile: what its users see in <c>#log</c> when they connect, echo and broadcast, once for each
/// socket.io client generation answering the page's 1.3.5 CDN address (see <see cref="Clients"/>).
/// </summary>
[TestFixtureSource(nameof(Clients))]
public sealed class SeedPageBrowserTests(SeedPageClient client)
{
    /// <summary>
    /// 1.3.5 is what the page names, so what its users run. 1.7.4 has its WebSocket taken away
    /// to cover Engine.IO v3 long polling as the only transport, 2.5.0 the last Engine.IO v3 generation,
    /// 4.8.4 the current one (Engine.IO v4).
    /// </summary>
    public static readonly SeedPageClient[] Clients =
    [
        new("1.3.5", "sio1.3/socket.io.js", EngineIoRevision: "3"),
        new("1.7.4 polling only", "sio1.7/dist/socket.io.min.js", EngineIoRevision: "3", PollingOnly: true),
        new("2.5.0", "sio2/dist/socket.io.js", EngineIoRevision: "3"),
        new("4.8.4", "socket.io-client/dist/socket.io.min.js", EngineIoRevision: "4"),
    ];

    // WebSocket is a configurable property of window in Chromium, so deleting it before the page's
    // scripts run leaves the client without one: engine.io-client's WebSocket transport then never
    // opens and the polling transport is all there is, with the page itself untouched.
    private const string NoWebSocketScript = "delete window.WebSocket;";

    private static readonly float LimitMs = (float)Eventually.Limit.TotalMilliseconds;

    private readonly List<BrowserTab> _tabs = [];
    private Browser? _browser;
    private TestServer? _server;

    private Browser Chromium => _browser ?? throw new InvalidOperationException("The browser was not launched.");

    private TestServer Server => _server ?? throw new InvalidOperationException("The server was not started.");

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

    // A server per test: a broadcast from one test can then never reach another test's tabs.
    [SetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("default");

    [TearDown]
    public async Task CloseTabsAndServer()
    {
        var failed = TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed;
        for (var i = 0; i < _tabs.Count; i++)
        {
            if (failed)
            {
                var events = _tabs[i].Events.DefaultIfEmpty("(nothing noted)");
                await TestContext.Out.WriteLineAsync($"Tab {i + 1}:\n  " + string.Join("\n  ", events) + EngineIoTraffic.Describe(EngineIoTraffic.Of(_tabs[i])));
            }
            await _tabs[i].DisposeAsync();
        }
        _tabs.Clear();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    [Test]
    public async Task The_page_connects_and_shows_Received_Connected()
    {
        var tab = await OpenSeedPageAsync();

        await Expect(Line(tab, "Received: Connected")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
    }

    [Test]
    public async Task Submitting_emit_shows_the_echo_only_in_the_senders_tab()
    {
        var sender = await OpenConnectedSeedPageAsync();
        var other = await OpenConnectedSeedPageAsync();

        await EchoAsync(sender, "only for the sender");
        await Expect(Line(sender, "Received: only for the sender")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        // The sender has its echo, so had the server also sent it to the other tab, it would be
        // queued there ahead of this broadcast: once the broadcast arrives, absence is final.
        await BroadcastAsync(other, "after the echo");
        await Expect(Line(sender, "Received: after the echo")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Line(other, "Received: after the echo")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Line(other, "Received: only for the sender")).ToHaveCountAsync(0);
    }

    [Test]
    public async Task Submitting_broadcast_shows_the_message_in_both_tabs()
    {
        var sender = await OpenConnectedSeedPageAsync();
        var other = await OpenConnectedSeedPageAsync();

        await BroadcastAsync(sender, "hello everyone");

        await Expect(Line(sender, "Received: hello everyone")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Line(other, "Received: hello everyone")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Chromium.ScreenshotAsync("seed-page-broadcast-" + client.Name.Replace(' ', '-'), sender, other);
    }

    [Test]
    public async Task Non_ASCII_text_echoes_intact()
    {
        // CJK, an emoji outside the BMP (a UTF-16 surrogate pair) and accented Latin.
        const string text = "中文 😀 façade";
        var tab = await OpenConnectedSeedPageAsync();

        await EchoAsync(tab, text);

        await Expect(Line(tab, "Received: " + text)).ToHaveCountAsync(1, new() { Timeout = LimitMs });
    }

    [Test]
    public async Task Each_tab_handshakes_once_and_keeps_its_session_while_chatting()
    {
        var first = await OpenConnectedSeedPageAsync();
        var second = await OpenConnectedSeedPageAsync();

        // Several round trips each way: a client that cannot read the server's answers (1.3.5 and
        // a text/plain poll) drops the session on the first one and handshakes again.
        await EchoAsync(first, "first echo");
        await Expect(Line(first, "Received: first echo")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await BroadcastAsync(second, "to both");
        await Expect(Line(first, "Received: to both")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await Expect(Line(second, "Received: to both")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        await EchoAsync(second, "second echo");
        await Expect(Line(second, "Received: second echo")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        foreach (var tab in new[] { first, second })
        {
            var traffic = EngineIoTraffic.Of(tab);
            Assert.That(traffic.Count(r => r.IsHandshake), Is.EqualTo(1), "handshakes (requests without sid):" + EngineIoTraffic.Describe(traffic));
            Assert.That(traffic.Select(r => r.Sid).OfType<string>().Distinct().Count(), Is.EqualTo(1), "sessions:" + EngineIoTraffic.Describe(traffic));
            // A session that was dropped and opened again would greet the page a second time.
            await Expect(Line(tab, "Received: Connected")).ToHaveCountAsync(1);
        }
    }

    [Test]
    public async Task The_client_speaks_its_Engine_IO_revision_over_the_transports_it_has()
    {
        var tab = await OpenConnectedSeedPageAsync();
        await EchoAsync(tab, "over the wire");
        await Expect(Line(tab, "Received: over the wire")).ToHaveCountAsync(1, new() { Timeout = LimitMs });

        if (client.PollingOnly)
        {
            Assert.That(await tab.Page.EvaluateAsync<string>("typeof WebSocket"), Is.EqualTo("undefined"), "the init script removed WebSocket");
        }
        else
        {
            // The client upgrades right after the handshake; the echo may have gone either way.
            await Eventually.True(() => tab.WebSockets.Count > 0, "the client opens a WebSocket to upgrade");
        }

        var traffic = EngineIoTraffic.Of(tab);
        var polls = traffic.Where(r => r.Kind != "WebSocket").ToList();
        var webSockets = traffic.Where(r => r.Kind == "WebSocket").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(polls, Is.Not.Empty, "the client started with polling" + EngineIoTraffic.Describe(traffic));
            Assert.That(polls, Has.All.Matches<EngineIoRequest>(r => r.Transport == "polling"), EngineIoTraffic.Describe(traffic));
            Assert.That(traffic, Has.All.Matches<EngineIoRequest>(r => r.Eio == client.EngineIoRevision), $"EIO={client.EngineIoRevision} everywhere:" + EngineIoTraffic.Describe(traffic));
            if (client.PollingOnly)
            {
                Assert.That(webSockets, Is.Empty, "no WebSocket without window.WebSocket" + EngineIoTraffic.Describe(traffic));
            }
            else
            {
                // An upgrade, not a second session: the WebSocket carries the polling session's id.
                var sid = polls.Select(r => r.Sid).FirstOrDefault(s => s is not null);
                Assert.That(webSockets, Has.All.Matches<EngineIoRequest>(r => r.Transport == "websocket" && r.Sid is not null && r.Sid == sid),
                    "the WebSocket upgrades the polling session:" + EngineIoTraffic.Describe(traffic));
            }
        });
    }

    /// <summary>A <c>#log</c> paragraph whose whole text is <paramref name="text"/>.</summary>
    private static ILocator Line(BrowserTab tab, string text) =>
        tab.Page.Locator("#log").GetByText(text, new() { Exact = true });

    private static async Task EchoAsync(BrowserTab tab, string text)
    {
        await tab.Page.Locator("#emit_data").FillAsync(text);
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Echo", Exact = true }).ClickAsync();
    }

    private static async Task BroadcastAsync(BrowserTab tab, string text)
    {
        await tab.Page.Locator("#broadcast_data").FillAsync(text);
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Broadcast", Exact = true }).ClickAsync();
    }

    /// <summary>The seed page's CDN addresses, with the fixture's client as its socket.io bundle.</summary>
    private async Task<IReadOnlyDictionary<string, string>> SeedPageCdnAsync() =>
        new Dictionary<string, string>
        {
            // jQuery 1.4.2 is not on npm; 1.12.4 is the closest 1.x and covers what the page uses.
            ["//code.jquery.com/jquery-1.4.2.min.js"] = await Browser.NodeModuleAsync("jquery/dist/jquery.min.js"),
            ["//cdnjs.cloudflare.com/ajax/libs/socket.io/1.3.5/socket.io.min.js"] = await Browser.NodeModuleAsync(client.Bundle),
        };

    private async Task<BrowserTab> OpenSeedPageAsync()
    {
        var options = client.PollingOnly ? new TabOptions { InitScript = NoWebSocketScript } : null;
        var tab = await Chromium.OpenAsync(Server.Url + "/", await SeedPageCdnAsync(), options);
        _tabs.Add(tab);
        return tab;
    }

    /// <summary>Opens the page and waits for its greeting: the form handlers are attached by then.</summary>
    private async Task<BrowserTab> OpenConnectedSeedPageAsync()
    {
        var tab = await OpenSeedPageAsync();
        await Expect(Line(tab, "Received: Connected")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        return tab;
    }
}

/// <summary>A socket.io browser client the seed page can be given in place of its CDN's 1.3.5.</summary>
/// <param name="Name">Version (and mode) as it appears in the test names.</param>
/// <param name="Bundle">Its browser bundle inside <c>Client.Tests/node/node_modules</c>.</param>
/// <param name="EngineIoRevision">The <c>EIO</c> query value it must send.</param>
/// <param name="PollingOnly">Whether the tab runs without <c>window.WebSocket</c>.</param>
public sealed record SeedPageClient(string Name, string Bundle, string EngineIoRevision, bool PollingOnly = false)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
