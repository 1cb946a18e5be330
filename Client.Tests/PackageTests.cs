using System.IO.Compression;
using System.Xml.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The NuGet packages as a new user meets them: packed to a local folder feed, referenced by a
/// fresh <c>dotnet new web</c> app that maps Socket.IO in three lines, and used by socket.io-client
/// 4.x loaded from that app's own <c>/socket.io/socket.io.js</c> in headless Chromium; and the
/// <c>dotnet new socketio-server</c> template, instantiated, built and chatting in Chromium.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(6);
    private static readonly string[] Projects = ["EngineIo/SocketIoChat.EngineIo.csproj", "SocketIo/SocketIoChat.SocketIo.csproj", "Redis/SocketIoChat.Redis.csproj", "Templates/SocketIoChat.Templates.csproj"];
    private static readonly string[] Packages = ["SocketIo.AspNetCore.EngineIo", "SocketIo.AspNetCore", "SocketIo.AspNetCore.Redis"];

    private DirectoryInfo _root = null!;
    private string _feed = "";
    // A version of its own, so no package cached by an earlier run is taken instead.
    private string _version = "";
    private Browser? _browser;

    [OneTimeSetUp]
    public async Task PackEverything()
    {
        _root = Directory.CreateTempSubdirectory("socketiochat-package-");
        _version = $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        _feed = Directory.CreateDirectory(Path.Combine(_root.FullName, "feed")).FullName;
        var server = Path.Combine(Path.GetDirectoryName(NodeRunner.NodeDirectory)!, "..", "Server");
        foreach (var project in Projects)
        {
            await RunAsync(_root.FullName, "dotnet", "pack", Path.GetFullPath(Path.Combine(server, project)), "-c", "Release", "-o", _feed, $"-p:Version={_version}", "-nologo");
        }
        _browser = await Browser.LaunchAsync();
    }

    [OneTimeTearDown]
    public async Task CleanUp()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _root.Delete(recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Packages)
        {
            var cached = new DirectoryInfo(Path.Combine(cache, id.ToLowerInvariant(), _version));
            if (cached.Exists)
            {
                cached.Delete(recursive: true);
            }
        }
    }

    private const string ProgramCs = """
        using SocketIoChat.SocketIo.Hosting;

        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSocketIo();
        var app = builder.Build();
        app.MapSocketIo(configure: io => io.Sockets.OnConnection(socket =>
            socket.On("chat message", e => io.Sockets.Emit("chat message", e.Arg(0)))));
        app.Run();
        """;

    private const string PageHtml = """
        <!doctype html>
        <html><body>
        <script src="/socket.io/socket.io.js"></script>
        <script>
        window.chat = () => new Promise((resolve, reject) => {
          const socket = io({ reconnection: false });
          socket.on("connect_error", e => reject(new Error(e.message)));
          socket.on("chat message", text => { socket.close(); resolve(`${socket.io.engine.transport.name}: ${text}`); });
          socket.on("connect", () => socket.emit("chat message", "hello from the package"));
        });
        </script>
        </body></html>
        """;

    [Test]
    public async Task A_new_web_app_referencing_the_packages_serves_socket_io_to_the_browser_client_it_ships()
    {
        foreach (var id in Packages)
        {
            AssertPackageMetadata(Path.Combine(_feed, $"{id}.{_version}.nupkg"), id);
            Assert.That(File.Exists(Path.Combine(_feed, $"{id}.{_version}.snupkg")), Is.True, $"{id} has a symbols package");
        }
        var app = Path.Combine(_root.FullName, "web-app");
        await RunAsync(_root.FullName, "dotnet", "new", "web", "-o", app, "-n", "PackageUser");
        await UseFeedAsync(app);
        await RunAsync(app, "dotnet", "add", "package", "SocketIo.AspNetCore", "--version", _version);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ProgramCs);
        await RunAsync(app, "dotnet", "build", "-c", "Release", "-nologo");

        await using var host = await HostProcess.StartFromAsync(Path.Combine(app, "bin", "Release", "net10.0", "PackageUser.dll"), app);
        // The app has no page of its own: the tab opens on its origin and is given one.
        await using var tab = await _browser!.OpenAsync(host.Url + "/socket.io/socket.io.js", new Dictionary<string, string>(), new TabOptions { Content = PageHtml });
        var answer = await tab.Page.EvaluateAsync<string>("() => chat()").Within(Eventually.Limit * 2);

        // Polling first, then the upgrade, as a browser app connects by default.
        Assert.That(answer, Is.EqualTo("websocket: hello from the package").Or.EqualTo("polling: hello from the package"));
    }

    [Test]
    public async Task The_template_makes_an_app_whose_chat_page_works_in_the_browser()
    {
        // A template cache of its own: the user's installed templates stay as they are.
        var hive = Path.Combine(_root.FullName, "template-hive");
        await RunAsync(_root.FullName, "dotnet", "new", "install", Path.Combine(_feed, $"SocketIo.AspNetCore.Templates.{_version}.nupkg"), "--debug:custom-hive", hive);
        var app = Path.Combine(_root.FullName, "from-template");
        await RunAsync(_root.FullName, "dotnet", "new", "socketio-server", "-o", app, "-n", "MyRealtimeApp", "--debug:custom-hive", hive);
        Assert.That(File.Exists(Path.Combine(app, "MyRealtimeApp.csproj")), Is.True, "the project takes the name given");
        await UseFeedAsync(app);
        // The template names the released version; this run's packages have a version of their own.
        await RunAsync(app, "dotnet", "add", "package", "SocketIo.AspNetCore", "--version", _version);
        await RunAsync(app, "dotnet", "build", "-c", "Release", "-nologo");

        await using var host = await HostProcess.StartFromAsync(Path.Combine(app, "bin", "Release", "net10.0", "MyRealtimeApp.dll"), app);
        await using var first = await _browser!.OpenAsync(host.Url + "/", new Dictionary<string, string>());
        await using var second = await _browser!.OpenAsync(host.Url + "/", new Dictionary<string, string>());
        foreach (var tab in new[] { first, second })
        {
            // The page's own socket (a global of its script): both must be in before the message goes.
            await tab.Page.WaitForFunctionAsync("() => typeof socket !== 'undefined' && socket.connected", null, new() { Timeout = (float)Eventually.Limit.TotalMilliseconds });
        }
        await first.Page.Locator("#input").FillAsync("hello from the template");
        await first.Page.Locator("#input").PressAsync("Enter");

        foreach (var tab in new[] { first, second })
        {
            await Microsoft.Playwright.Assertions.Expect(tab.Page.Locator("#messages li")).ToHaveTextAsync(["hello from the template"], new() { Timeout = (float)Eventually.Limit.TotalMilliseconds });
        }
    }

    private async Task UseFeedAsync(string app) =>
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{_feed}" />
              </packageSources>
            </configuration>
            """);

    /// <summary>What a user sees on nuget.org: licence, readme, icon, description, tags, and XML docs for IntelliSense.</summary>
    private static void AssertPackageMetadata(string path, string id)
    {
        using var package = ZipFile.OpenRead(path);
        var entries = package.Entries.Select(e => e.FullName).ToArray();
        Assert.That(entries, Does.Contain("README.md").And.Contain("icon.png"), id);
        Assert.That(entries.Any(e => e.StartsWith("lib/net10.0/", StringComparison.Ordinal) && e.EndsWith(".xml", StringComparison.Ordinal)), Is.True, $"{id} carries its XML documentation");
        using var nuspec = package.GetEntry(id + ".nuspec")!.Open();
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        Assert.That(Value("license"), Is.EqualTo("MIT"), id);
        Assert.That(Value("readme"), Is.EqualTo("README.md"), id);
        Assert.That(Value("icon"), Is.EqualTo("icon.png"), id);
        Assert.That(Value("description"), Does.Contain("Socket.IO").Or.Contain("Engine.IO"), id);
        Assert.That(Value("tags"), Does.Contain("socket.io").Or.Contain("engine.io"), id);
        Assert.That(metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("commit")?.Value, Has.Length.EqualTo(40), $"{id} records its commit (Source Link)");
        if (id == "SocketIo.AspNetCore")
        {
            var dll = package.GetEntry("lib/net10.0/SocketIoChat.SocketIo.dll")!;
            Assert.That(dll.Length, Is.GreaterThan(300_000), "the socket.io-client bundle is embedded");
        }
    }

    private static Task RunAsync(string workingDirectory, string file, params string[] args) =>
        Command.RunAsync(workingDirectory, CommandLimit, file, args);
}
