using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// A page served by one server (its own origin) that opens socket.io-client 4.x to another server,
/// in headless Chromium: refused there by default (a page elsewhere may not use this server), let in
/// once its origin is in <c>SocketIo:AllowedOrigins</c>.
/// </summary>
public sealed class CrossOriginBrowserTests
{
    // The page comes from server A; the tab keeps A's origin. WebSocket only: the browser route
    // filter of these tests would abort cross-origin polling requests before they left the tab.
    private const string PageHtml = """
        <!doctype html>
        <html><body>
        <script src="/socket.io/socket.io.js"></script>
        <script>
        window.tryConnect = url => new Promise(resolve => {
          const socket = io(url + "/test", { transports: ["websocket"], reconnection: false, timeout: 10000 });
          socket.on("my response", m => { socket.close(); resolve("connected: " + m.data); });
          socket.on("connect_error", e => { socket.close(); resolve("refused: " + e.message); });
        });
        </script>
        </body></html>
        """;

    private Browser? _browser;
    private TestServer _pageServer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _browser = await Browser.LaunchAsync();
        _pageServer = await TestServer.StartAsync("default");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _pageServer.DisposeAsync();
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    private async Task<string> ConnectFromThePageAsync(TestServer target)
    {
        await using var tab = await _browser!.OpenAsync(_pageServer.Url + "/socket.io/socket.io.js", new Dictionary<string, string>(), new TabOptions { Content = PageHtml });
        return await tab.Page.EvaluateAsync<string>("url => tryConnect(url)", target.Url).Within(Eventually.Limit * 2);
    }

    [Test]
    public async Task A_page_from_another_origin_is_refused_by_default()
    {
        await using var target = await TestServer.StartAsync("default");
        Assert.That(await ConnectFromThePageAsync(target), Does.StartWith("refused"));
    }

    [Test]
    public async Task A_page_from_an_allowed_origin_connects()
    {
        await using var target = await TestServer.StartAsync("default", "--SocketIo:AllowedOrigins:0", _pageServer.Url);
        Assert.That(await ConnectFromThePageAsync(target), Is.EqualTo("connected: Connected"));
    }
}
