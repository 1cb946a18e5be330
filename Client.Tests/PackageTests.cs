using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The NuGet packages as a new user meets them: packed to a local folder feed, referenced by a
/// fresh <c>dotnet new web</c> app that maps Socket.IO in three lines, and used by socket.io-client
/// 4.x loaded from that app's own <c>/socket.io/socket.io.js</c> in headless Chromium.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(6);
    private static readonly string[] Projects = ["EngineIo/SocketIoChat.EngineIo.csproj", "SocketIo/SocketIoChat.SocketIo.csproj", "Redis/SocketIoChat.Redis.csproj"];
    private static readonly string[] Packages = ["SocketIo.AspNetCore.EngineIo", "SocketIo.AspNetCore", "SocketIo.AspNetCore.Redis"];

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
        var root = Directory.CreateTempSubdirectory("socketiochat-package-");
        // A version of its own, so no package cached by an earlier run is taken instead.
        var version = $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(root.FullName, "feed")).FullName;
            var server = Path.Combine(Path.GetDirectoryName(NodeRunner.NodeDirectory)!, "..", "Server");
            foreach (var project in Projects)
            {
                await RunAsync(root.FullName, "dotnet", "pack", Path.GetFullPath(Path.Combine(server, project)), "-c", "Release", "-o", feed, $"-p:Version={version}", "-nologo");
            }
            foreach (var id in Packages)
            {
                AssertPackageMetadata(Path.Combine(feed, $"{id}.{version}.nupkg"), id);
                Assert.That(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), Is.True, $"{id} has a symbols package");
            }

            var app = Path.Combine(root.FullName, "app");
            await RunAsync(root.FullName, "dotnet", "new", "web", "-o", app, "-n", "PackageUser");
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            await RunAsync(app, "dotnet", "add", "package", "SocketIo.AspNetCore", "--version", version);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ProgramCs);
            await RunAsync(app, "dotnet", "build", "-c", "Release", "-nologo");

            await using var host = await HostProcess.StartFromAsync(Path.Combine(app, "bin", "Release", "net10.0", "PackageUser.dll"), app);
            await using var browser = await Browser.LaunchAsync();
            // The app has no page of its own: the tab opens on its origin and is given one.
            await using var tab = await browser.OpenAsync(host.Url + "/socket.io/socket.io.js", new Dictionary<string, string>(), new TabOptions { Content = PageHtml });
            var answer = await tab.Page.EvaluateAsync<string>("() => chat()").Within(Eventually.Limit * 2);

            // Polling first, then the upgrade, as a browser app connects by default.
            Assert.That(answer, Is.EqualTo("websocket: hello from the package").Or.EqualTo("polling: hello from the package"));
        }
        finally
        {
            root.Delete(recursive: true);
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in Packages)
            {
                var cached = new DirectoryInfo(Path.Combine(cache, id.ToLowerInvariant(), version));
                if (cached.Exists)
                {
                    cached.Delete(recursive: true);
                }
            }
        }
    }

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

    private static async Task RunAsync(string workingDirectory, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(CommandLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {CommandLimit}");
        }
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{file} {string.Join(' ', args)} failed:\n{await stdout}\n{await stderr}");
    }
}
