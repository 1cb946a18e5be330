using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// The host (SocketIoChat.Host.dll, as built beside the tests) in a process of its own, for what
/// only a whole process shows: signals and exit codes. It listens on a free port, read from
/// its "Now listening on" log line. Disposing kills it if it still runs.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the host with <paramref name="args"/> and waits until it listens.</summary>
    public static Task<HostProcess> StartAsync(params string[] args) =>
        StartFromAsync(Path.Combine(AppContext.BaseDirectory, "SocketIoChat.Host.dll"), AppContext.BaseDirectory, args);

    /// <summary>
    /// Starts the host assembly <paramref name="hostDll"/> (e.g. a published copy) in
    /// <paramref name="workingDirectory"/> with <paramref name="args"/> and waits until it listens.
    /// </summary>
    public static async Task<HostProcess> StartFromAsync(string hostDll, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in (string[])[hostDll, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information", .. args])
        {
            start.ArgumentList.Add(arg);
        }
        var host = new HostProcess(Process.Start(start)!);
        try
        {
            var exited = host._process.WaitForExitAsync();
            var listening = await Task.WhenAny(host._listening.Task, exited, Task.Delay(StartLimit));
            Assert.That(listening, Is.SameAs(host._listening.Task), "the host did not start listening:\n" + host.Output);
            host.Url = await host._listening.Task;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    /// <summary>Sends a signal (TERM, INT, KILL) to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end and returns its exit code; fails after <paramref name="limit"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the host did not exit within {limit}:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(match.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
