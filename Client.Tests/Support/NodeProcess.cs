using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// A long-running Node script of <c>Client.Tests/node</c> (a cluster server, the emitter) that a
/// test talks to in JSON lines: the script's first stdout line says it is ready, then the test may
/// write lines to its stdin and read its replies. Stderr is kept for failure messages. Disposing
/// closes stdin (the scripts end on that) and kills the process if it does not go in time.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    /// <summary>How long a script may take to print its first line (npm install excluded).</summary>
    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string _name;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly object _stderrLock = new();
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _stdoutReader;
    private readonly Task _stderrReader;

    private NodeProcess(Process process, string name)
    {
        _process = process;
        _name = name;
        _stdoutReader = ReadStdoutAsync();
        _stderrReader = ReadStderrAsync();
    }

    /// <summary>The first line the script printed (its "ready" line), parsed as JSON.</summary>
    public JObject FirstLine { get; private set; } = [];

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What the script wrote to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderrLock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>node <paramref name="script"/> <paramref name="args"/></c> in <see cref="NodeRunner.NodeDirectory"/>
    /// (installing the npm packages first if needed) and waits for its first stdout line, a JSON object.
    /// Fails the test, with the script's stderr, if it exits or stays silent until <paramref name="limit"/>.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string script, IEnumerable<string> args, TimeSpan? limit = null)
    {
        await NodeRunner.EnsurePackagesAsync();
        var process = NodeRunner.Start("node", [script, .. args]);

        var node = new NodeProcess(process, $"node {script} {string.Join(' ', args)}");
        try
        {
            node.FirstLine = await node.ReadJsonAsync(limit ?? StartLimit);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    /// <summary>Writes one line to the script's stdin.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _process.StandardInput.WriteAsync(line + "\n");
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException ex)
        {
            Assert.Fail($"{_name}: writing to its stdin failed ({ex.Message}); has it exited?\nstderr:\n{Stderr}");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The next stdout line; fails the test if none comes within <paramref name="limit"/> or the script ends.</summary>
    public async Task<string> ReadLineAsync(TimeSpan? limit = null)
    {
        var wait = limit ?? Eventually.Limit;
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await _lines.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{_name} printed no line within {wait.TotalSeconds} s.\nstderr:\n{Stderr}");
        }
        catch (ChannelClosedException)
        {
            // Its stderr may still be arriving: wait for the end of it before reporting.
            await Task.WhenAny(_stderrReader, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.Fail($"{_name} ended{ExitText()} before printing the expected line.\nstderr:\n{Stderr}");
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The next stdout line parsed as a JSON object.</summary>
    public async Task<JObject> ReadJsonAsync(TimeSpan? limit = null)
    {
        var line = await ReadLineAsync(limit);
        try
        {
            // DateParseHandling.None: text that looks like a date stays the text the script printed.
            using var reader = new JsonTextReader(new StringReader(line)) { DateParseHandling = DateParseHandling.None };
            return JObject.Load(reader);
        }
        catch (JsonReaderException ex)
        {
            Assert.Fail($"{_name} printed a line that is no JSON object ({ex.Message}): {line}\nstderr:\n{Stderr}");
            throw;
        }
    }

    /// <summary>Writes <paramref name="command"/> as one JSON line and returns the reply line as JSON.</summary>
    public async Task<JObject> RequestAsync(object command, TimeSpan? limit = null)
    {
        await WriteLineAsync(JsonConvert.SerializeObject(command, Formatting.None));
        return await ReadJsonAsync(limit);
    }

    /// <summary>Kills the process at once (SIGKILL): a server dying without saying goodbye.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        await WaitForExitAsync(StopGrace);
    }

    /// <summary>Waits for the process to end by itself; fails the test if it outlives <paramref name="limit"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? limit = null)
    {
        var wait = limit ?? Eventually.Limit;
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{_name} did not exit within {wait.TotalSeconds} s.\nstderr:\n{Stderr}");
        }
        return _process.ExitCode;
    }

    /// <summary>Closes stdin, which the scripts take as the signal to stop, and kills the process if it lingers.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            await _writeLock.WaitAsync();
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It is already going.
            }
            finally
            {
                _writeLock.Release();
            }
            await NodeRunner.ExitedWithinAsync(_process, StopGrace);
        }
        await Task.WhenAny(Task.WhenAll(_stdoutReader, _stderrReader), Task.Delay(StopGrace));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _process.Dispose();
            _writeLock.Dispose();
        }
    }

    private string ExitText() => _process.HasExited ? $" with exit code {_process.ExitCode}" : "";

    private async Task ReadStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                await _lines.Writer.WriteAsync(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The process is gone; readers see the channel close.
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    private async Task ReadStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_stderrLock)
                {
                    _stderr.AppendLine(line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The process is gone.
        }
    }
}
