using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Playwright;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// The system's headless Chromium driven by Playwright, meant to be launched once per test class
/// (<c>[OneTimeSetUp]</c>) and to open one <see cref="BrowserTab"/> (its own browser context, so
/// its own cookies and connections) per simulated user.
/// </summary>
/// <remarks>
/// The machines have no internet and Playwright must not download a browser, so this uses
/// <c>/usr/bin/chromium</c> (Debian's <c>chromium</c> package) and answers the CDN addresses a
/// page loads from local npm copies in <c>Client.Tests/node/node_modules</c>; every other outside
/// request is aborted at once so that nothing waits on the network.
/// </remarks>
public sealed class Browser : IAsyncDisposable
{
    /// <summary>Where the tests expect Chromium; <c>CHROMIUM_PATH</c> overrides it.</summary>
    public const string DefaultChromiumPath = "/usr/bin/chromium";

    // Running as root needs --no-sandbox; the rest stops Chromium from retrying its own outside
    // connections (updates, sync, QUIC probes) against the closed network for the whole run.
    // Even so it still looks up update.googleapis.com and accounts.google.com, which page routing
    // cannot see: the resolver rule fails every host name but loopback at once instead of asking DNS.
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ];

    private static readonly Lazy<Task<string>> NodeModulesTask = new(LocateNodeModulesAsync);

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Starts headless Chromium, failing with a clear message when it is not installed.</summary>
    public static async Task<Browser> LaunchAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : DefaultChromiumPath;
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"Browser tests need Chromium at {chromium}, which does not exist. Install it with " +
                "`apt-get install -y chromium` (CI does this) or point CHROMIUM_PATH at a Chromium binary. " +
                "Do not run `playwright install`: these machines have no internet.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ChromiumArgs,
            });
            return new Browser(playwright, browser);
        }
        catch
        {
            // The driver process would otherwise outlive the failed fixture.
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Full path of <paramref name="relativePath"/> inside <c>Client.Tests/node/node_modules</c>
    /// (e.g. <c>jquery/dist/jquery.min.js</c>), running <c>npm ci</c> first if nothing is installed.
    /// </summary>
    public static async Task<string> NodeModuleAsync(string relativePath)
    {
        var file = Path.GetFullPath(Path.Combine(await NodeModulesTask.Value, relativePath));
        if (!File.Exists(file))
        {
            throw new FileNotFoundException(
                $"{file} is missing: add the package to Client.Tests/node/package.json and run `npm install` there.", file);
        }
        return file;
    }

    /// <summary>
    /// Opens <paramref name="url"/> in a fresh browser context. Requests to the page's own origin
    /// go to the server; each address in <paramref name="cdnFiles"/> (written protocol-relative
    /// as in the page source, e.g. <c>//code.jquery.com/jquery-1.4.2.min.js</c>) is answered
    /// with the given local file; any other http(s) request is aborted.
    /// </summary>
    public async Task<BrowserTab> OpenAsync(string url, IReadOnlyDictionary<string, string> cdnFiles, TabOptions? options = null)
    {
        var origin = new Uri(url).GetLeftPart(UriPartial.Authority);
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 800, Height = 600 },
        });
        try
        {
            await context.RouteAsync(requestUrl => IsOutside(requestUrl, origin), route => AnswerOutsideRequestAsync(route, cdnFiles));
            if (options?.InitScript is { } initScript)
            {
                await context.AddInitScriptAsync(initScript);
            }
            var tab = new BrowserTab(context, await context.NewPageAsync());
            await tab.Page.GotoAsync(url);
            if (options?.Content is { } content)
            {
                await tab.Page.SetContentAsync(content);
            }
            return tab;
        }
        catch
        {
            // A half-opened tab would keep its connections to the server open until the fixture ends.
            await context.CloseAsync();
            throw;
        }
    }

    /// <summary>
    /// Saves the tabs side by side as one PNG named <paramref name="name"/> in the folder given by
    /// the <c>BROWSER_SCREENSHOTS</c> environment variable and attaches it to the current test.
    /// Does nothing (returns null) when the variable is unset, so tests can always call it.
    /// </summary>
    public async Task<string?> ScreenshotAsync(string name, params BrowserTab[] tabs)
    {
        if (Environment.GetEnvironmentVariable("BROWSER_SCREENSHOTS") is not { Length: > 0 } folder)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        var images = new List<string>();
        foreach (var tab in tabs)
        {
            var png = await tab.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
            images.Add($"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" style=\"border:1px solid #888;margin:4px\">");
        }

        // Playwright shoots one page at a time, so the tabs are composed on a blank page of their own.
        await using var sheet = await _browser.NewContextAsync();
        var page = await sheet.NewPageAsync();
        await page.SetContentAsync($"<body style=\"margin:0;display:flex;align-items:flex-start\">{string.Concat(images)}</body>");
        var file = Path.GetFullPath(Path.Combine(folder, name + ".png"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        TestContext.AddTestAttachment(file);
        return file;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static bool IsOutside(string requestUrl, string origin) =>
        Uri.TryCreate(requestUrl, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.Equals(uri.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase);

    private static async Task AnswerOutsideRequestAsync(IRoute route, IReadOnlyDictionary<string, string> cdnFiles)
    {
        var uri = new Uri(route.Request.Url);
        if (cdnFiles.TryGetValue("//" + uri.Authority + uri.AbsolutePath, out var file))
        {
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                Path = file,
                ContentType = ContentTypeOf(file),
            });
            return;
        }

        // Shows up in BrowserTab.Events as a failed request with net::ERR_BLOCKED_BY_CLIENT.
        await route.AbortAsync("blockedbyclient");
    }

    private static string ContentTypeOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".js" => "application/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static async Task<string> LocateNodeModulesAsync()
    {
        // The tests run from bin/<configuration>/<tfm>/, but the npm folder lives in the source tree.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Client.Tests.csproj")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains Client.Tests.csproj.");
        }

        var nodeDir = Path.Combine(dir.FullName, "node");
        var nodeModules = Path.Combine(nodeDir, "node_modules");
        if (!Directory.Exists(nodeModules))
        {
            await RunNpmCiAsync(nodeDir);
        }
        return nodeModules;
    }

    private static async Task RunNpmCiAsync(string nodeDir)
    {
        var start = new ProcessStartInfo("npm", "ci --no-audit --no-fund")
        {
            WorkingDirectory = nodeDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm.");
        var stdout = npm.StandardOutput.ReadToEndAsync();
        var stderr = npm.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await npm.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw new TimeoutException($"`npm ci` in {nodeDir} took longer than 5 minutes.");
        }
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`npm ci` in {nodeDir} failed with exit code {npm.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}

/// <summary>What a tab needs besides its address and CDN files.</summary>
public sealed record TabOptions
{
    /// <summary>
    /// JavaScript run in every document of the tab before the document's own scripts, e.g. to
    /// take away <c>window.WebSocket</c> from an unmodified page.
    /// </summary>
    public string? InitScript { get; init; }

    /// <summary>
    /// HTML the test writes into the tab once the address has loaded, for pages the server does not
    /// have: the document keeps the server's origin, so XHR polling is same-origin as from a real
    /// page. (A page answered by request routing instead counts as coming from the public
    /// internet, and Chromium's local network access checks then refuse its WebSockets to loopback.)
    /// </summary>
    public string? Content { get; init; }
}

/// <summary>One simulated user: a browser context with a single page, plus what went on in it.</summary>
public sealed class BrowserTab : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _events = new();
    private readonly ConcurrentQueue<(string Method, Uri Url)> _requests = new();
    private readonly ConcurrentQueue<Uri> _webSockets = new();

    internal BrowserTab(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        Page.Console += (_, message) => _events.Enqueue($"console.{message.Type}: {message.Text}");
        Page.PageError += (_, error) => _events.Enqueue($"page error: {error}");
        Page.Request += (_, request) => _requests.Enqueue((request.Method, new Uri(request.Url)));
        Page.RequestFailed += (_, request) => _events.Enqueue($"request failed: {request.Method} {request.Url} ({request.Failure})");
        Page.WebSocket += (_, socket) =>
        {
            _webSockets.Enqueue(new Uri(socket.Url));
            _events.Enqueue($"websocket opened: {socket.Url}");
            socket.Close += (_, _) => _events.Enqueue($"websocket closed: {socket.Url}");
        };
    }

    /// <summary>Every HTTP request the page made (documents, scripts, XHR), in order.</summary>
    public IReadOnlyCollection<(string Method, Uri Url)> Requests => _requests;

    /// <summary>The address of every WebSocket the page opened, in order.</summary>
    public IReadOnlyCollection<Uri> WebSockets => _webSockets;

    /// <summary>The tab's own context (cookies, storage, connections).</summary>
    public IBrowserContext Context { get; }

    /// <summary>The tab's page.</summary>
    public IPage Page { get; }

    /// <summary>Console messages, page errors, failed or blocked requests and WebSockets, in order, for failure reports.</summary>
    public IEnumerable<string> Events => _events;

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
