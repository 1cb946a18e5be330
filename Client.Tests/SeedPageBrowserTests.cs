using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using SocketIoChat.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace SocketIoChat.Tests;

/// <summary>
/// The unmodified seed page <c>web/index.html</c> in headless Chromium against the default
/// profile: what its users see in <c>#log</c> when they connect, echo and broadcast.
/// </summary>
public sealed class SeedPageBrowserTests
{
    /// <summary>The 4.x browser bundle, which answers the page's 1.3.5 CDN address for now.</summary>
    private const string SocketIo4Bundle = "socket.io-client/dist/socket.io.min.js";

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
                await TestContext.Out.WriteLineAsync($"Tab {i + 1}:\n  " + string.Join("\n  ", events));
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
        await Chromium.ScreenshotAsync("seed-page-broadcast", sender, other);
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

    /// <summary>The seed page's CDN addresses, with <paramref name="socketIoBundle"/> as its socket.io client.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> SeedPageCdnAsync(string socketIoBundle) =>
        new Dictionary<string, string>
        {
            // jQuery 1.4.2 is not on npm; 1.12.4 is the closest 1.x and covers what the page uses.
            ["//code.jquery.com/jquery-1.4.2.min.js"] = await Browser.NodeModuleAsync("jquery/dist/jquery.min.js"),
            ["//cdnjs.cloudflare.com/ajax/libs/socket.io/1.3.5/socket.io.min.js"] = await Browser.NodeModuleAsync(socketIoBundle),
        };

    private async Task<BrowserTab> OpenSeedPageAsync(string socketIoBundle = SocketIo4Bundle)
    {
        var tab = await Chromium.OpenAsync(Server.Url + "/", await SeedPageCdnAsync(socketIoBundle));
        _tabs.Add(tab);
        return tab;
    }

    /// <summary>Opens the page and waits for its greeting: the form handlers are attached by then.</summary>
    private async Task<BrowserTab> OpenConnectedSeedPageAsync(string socketIoBundle = SocketIo4Bundle)
    {
        var tab = await OpenSeedPageAsync(socketIoBundle);
        await Expect(Line(tab, "Received: Connected")).ToHaveCountAsync(1, new() { Timeout = LimitMs });
        return tab;
    }
}
