using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// Runs Node.js scripts from <c>Client.Tests/node</c> (real npm clients) and fails the test when
/// they fail. Installs the npm packages there first if a fresh clone has none.
/// </summary>
public static class NodeRunner
{
    /// <summary>How long one script may run: the scripts have their own shorter limits, this is the backstop.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan InstallLimit = TimeSpan.FromMinutes(5);

    // Without a BOM: Node would read it as part of the input.
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    /// <summary>The <c>Client.Tests/node</c> folder of the source tree this assembly was built from.</summary>
    public static string NodeDirectory { get; } = FindNodeDirectory();

    /// <summary>
    /// Runs <c>node</c> with <paramref name="args"/> in <see cref="NodeDirectory"/>, writing
    /// <paramref name="stdin"/> to it, and returns its stdout. Fails the test (with stderr) when it
    /// exits non-zero or outlives <paramref name="limit"/>.
    /// </summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> args, string? stdin = null, TimeSpan? limit = null)
    {
        await EnsurePackagesAsync();
        var result = await ExecAsync("node", args, stdin, limit ?? Limit);
        if (result.ExitCode != 0)
        {
            Assert.Fail($"node {string.Join(' ', args)} exited with {result.ExitCode}.\nstderr:\n{result.Stderr}\nstdout:\n{result.Stdout}");
        }
        return result.Stdout;
    }

    /// <summary>Like <see cref="RunAsync"/>, then parses the last line of stdout as a JSON object.</summary>
    public static async Task<JObject> RunJsonAsync(IReadOnlyList<string> args, string? stdin = null, TimeSpan? limit = null)
    {
        var stdout = await RunAsync(args, stdin, limit);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (last is null)
        {
            Assert.Fail($"node {string.Join(' ', args)} printed nothing.");
        }
        try
        {
            // DateParseHandling.None: text that happens to look like a date must stay the text the client saw.
            using var reader = new JsonTextReader(new StringReader(last!)) { DateParseHandling = DateParseHandling.None };
            return JObject.Load(reader);
        }
        catch (JsonReaderException ex)
        {
            Assert.Fail($"node {string.Join(' ', args)} printed no JSON object ({ex.Message}):\n{stdout}");
            throw;
        }
    }

    /// <summary>
    /// Runs <c>npm ci</c> once per test run if the packages are not installed (a fresh clone) or
    /// the lock file changed since they were (new packages), as test.sh does.
    /// </summary>
    internal static async Task EnsurePackagesAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (_installed || PackagesUpToDate())
            {
                _installed = true;
                return;
            }
            var result = await ExecAsync("npm", ["ci", "--no-audit", "--no-fund"], null, InstallLimit);
            if (result.ExitCode != 0)
            {
                Assert.Fail($"npm ci in {NodeDirectory} exited with {result.ExitCode}.\nstderr:\n{result.Stderr}\nstdout:\n{result.Stdout}");
            }
            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static bool PackagesUpToDate()
    {
        // npm writes node_modules/.package-lock.json at the end of every install.
        var installed = new FileInfo(Path.Combine(NodeDirectory, "node_modules", ".package-lock.json"));
        var locked = new FileInfo(Path.Combine(NodeDirectory, "package-lock.json"));
        return installed.Exists && (!locked.Exists || locked.LastWriteTimeUtc <= installed.LastWriteTimeUtc);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(
        string program, IReadOnlyList<string> args, string? stdin, TimeSpan limit)
    {
        using var process = Start(program, args);

        // Both pipes are drained while the process runs, or a full pipe would block it.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string? stdinProblem = null;
        try
        {
            await process.StandardInput.WriteAsync(stdin ?? "");
            // Closed even without input, so a script reading stdin sees its end instead of waiting.
            process.StandardInput.Close();
        }
        catch (IOException ex)
        {
            // The process quit before reading all its input; its exit code and stderr say why,
            // this note only keeps the broken pipe from hiding them.
            stdinProblem = $"(writing stdin failed: {ex.Message})\n";
        }

        if (!await ExitedWithinAsync(process, limit))
        {
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s.\nstderr:\n{await stderr}\nstdout:\n{await stdout}");
        }
        return (process.ExitCode, await stdout, stdinProblem + await stderr);
    }

    /// <summary>
    /// Starts <paramref name="program"/> in <see cref="NodeDirectory"/> with UTF-8 standard input,
    /// output and error redirected; fails the test when it cannot be started.
    /// </summary>
    internal static Process Start(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = NodeDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            Assert.Fail($"Could not start \"{program}\" ({ex.Message}): these tests need Node.js and npm on the PATH.");
            throw;
        }
        return process;
    }

    /// <summary>Waits for <paramref name="process"/> to exit; kills its whole tree and returns false if it outlives <paramref name="limit"/>.</summary>
    internal static async Task<bool> ExitedWithinAsync(Process process, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return false;
        }
    }

    private static string FindNodeDirectory()
    {
        // The test assembly runs from Client.Tests/bin/<configuration>/<framework>/: the scripts and
        // their node_modules stay in the source tree rather than being copied next to it.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Client.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "node");
            }
        }
        throw new InvalidOperationException($"No Client.Tests.csproj above {AppContext.BaseDirectory}: cannot find the node scripts.");
    }
}
