using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// A throw-away <c>redis-server</c> for one test or fixture: on a free loopback port, without
/// persistence, in its own temporary directory. Speaks just enough RESP over a raw socket for
/// assertions (<see cref="CommandAsync"/>), so the tests need no Redis client library.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>How long Redis may take to answer PING after being started (shared, slow machines).</summary>
    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(20);

    // redis-server cannot watch its parent: this wrapper kills it when stdin closes, which happens
    // when the test host exits or dies, so a crashed test run leaves no Redis behind. Redis runs in
    // the background with the wrapper waiting on it, so the wrapper exits when Redis does. fd 3
    // keeps the real stdin for the watcher (a background job's own stdin is /dev/null).
    private const string Wrapper =
        "exec 3<&0; redis-server \"$@\" </dev/null & r=$!; " +
        "{ cat <&3 >/dev/null; kill -9 \"$r\" 2>/dev/null; } & " +
        "wait \"$r\"";

    private readonly DirectoryInfo _dir;
    private readonly object _logLock = new();
    private readonly StringBuilder _log = new();
    private Process? _process;

    private RedisServer(int port, DirectoryInfo dir)
    {
        Port = port;
        _dir = dir;
    }

    /// <summary>The loopback port Redis listens on; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as the Node scripts' <c>--redis</c> argument and StackExchange.Redis take it.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>What redis-server printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts Redis on a free port and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        // A port found free may be taken by someone else before Redis binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort(), Directory.CreateTempSubdirectory("redis-test-"));
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (RedisStartException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
            catch (RedisStartException ex)
            {
                await server.DisposeAsync();
                Assert.Fail(ex.Message);
                throw;
            }
        }
    }

    /// <summary>
    /// Kills Redis (SIGKILL, like a crash: clients see their connections drop) and starts a fresh,
    /// empty one on the same port, after <paramref name="downtime"/> if given.
    /// </summary>
    public async Task RestartAsync(TimeSpan? downtime = null)
    {
        await KillAsync();
        if (downtime is { } wait)
        {
            await Task.Delay(wait);
        }
        // The killed Redis may hold the port for a moment longer than its wrapper lives: retry.
        var deadline = DateTime.UtcNow + StartLimit;
        while (true)
        {
            try
            {
                await LaunchAsync();
                return;
            }
            catch (RedisStartException ex)
            {
                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail(ex.Message);
                }
                await KillAsync();
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Kills Redis and deletes its directory.</summary>
    public async Task StopAsync()
    {
        await KillAsync();
        try
        {
            _dir.Refresh();
            if (_dir.Exists)
            {
                _dir.Delete(recursive: true);
            }
        }
        catch (IOException)
        {
            // Only a temp directory: not worth failing a test over.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// Sends one command (RESP array of bulk strings) on a new connection and returns the whole
    /// reply as raw RESP text, e.g. <c>*2\r\n$20\r\nsocket.io-request#/#\r\n:2\r\n</c>.
    /// </summary>
    public async Task<string> CommandAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(CommandLimit);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encode(args), timeout.Token);
        var reader = new RespReader(stream);
        var reply = new StringBuilder();
        await reader.ReadReplyAsync(reply, timeout.Token);
        return reply.ToString();
    }

    /// <summary>
    /// <c>PUBSUB NUMSUB channel</c>: how many connections subscribe to the channel (for the Redis
    /// adapter, the request channel counts the servers of a namespace).
    /// </summary>
    public async Task<int> NumSubAsync(string channel)
    {
        var reply = await CommandAsync("PUBSUB", "NUMSUB", channel);
        // *2 $len channel :count — the count is the last line.
        var lines = reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[^1].StartsWith(':'))
        {
            Assert.Fail($"unexpected PUBSUB NUMSUB reply: {reply}");
        }
        return int.Parse(lines[^1][1..], CultureInfo.InvariantCulture);
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "-c", Wrapper, "redis-wrapper",
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", _dir.FullName,
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new RedisStartException($"Could not start sh for redis-server: {ex.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartLimit;
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                var hint = Log.Contains("not found", StringComparison.Ordinal)
                    ? "\nThese tests need the Debian package redis-server (test.sh installs it)."
                    : "";
                throw new RedisStartException($"redis-server on port {Port} exited with {process.ExitCode}:\n{Log}{hint}");
            }
            if (await AnswersPingAsync())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                await KillAsync();
                throw new RedisStartException($"redis-server on port {Port} did not answer PING within {StartLimit.TotalSeconds} s:\n{Log}");
            }
            await Task.Delay(50);
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task KillAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }
        using (process)
        {
            try
            {
                // The whole tree: the wrapper, Redis and the stdin watcher.
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logLock)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static byte[] Encode(string[] args)
    {
        var text = new StringBuilder();
        text.Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private sealed class RedisStartException(string message) : Exception(message);

    /// <summary>Reads exactly one RESP2 reply, nested arrays included, keeping its raw text.</summary>
    private sealed class RespReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[4096];
        private int _start;
        private int _end;

        public async Task ReadReplyAsync(StringBuilder reply, CancellationToken cancel)
        {
            var line = await ReadLineAsync(cancel);
            if (line.Length == 0)
            {
                throw new InvalidDataException("empty RESP line");
            }
            reply.Append(line).Append("\r\n");
            // Only bulk strings and arrays carry a length.
            var count = line[0] is '$' or '*' ? long.Parse(line[1..], CultureInfo.InvariantCulture) : 0;
            switch (line[0])
            {
                case '$' when count >= 0:
                    // The bulk payload and its CRLF.
                    reply.Append(Encoding.UTF8.GetString(await ReadBytesAsync(count + 2, cancel)));
                    break;
                case '*':
                    for (var i = 0; i < count; i++)
                    {
                        await ReadReplyAsync(reply, cancel);
                    }
                    break;
                case '+' or '-' or ':' or '$':
                    break;
                default:
                    throw new InvalidDataException($"not a RESP2 reply: {line}");
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancel)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end)
                {
                    await FillAsync(cancel);
                }
                var b = _buffer[_start++];
                if (b == '\n' && line.Count > 0 && line[^1] == '\r')
                {
                    return Encoding.UTF8.GetString(line.ToArray(), 0, line.Count - 1);
                }
                line.Add(b);
            }
        }

        private async Task<byte[]> ReadBytesAsync(long count, CancellationToken cancel)
        {
            var bytes = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end)
                {
                    await FillAsync(cancel);
                }
                var take = (int)Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, bytes, filled, take);
                _start += take;
                filled += take;
            }
            return bytes;
        }

        private async Task FillAsync(CancellationToken cancel)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancel);
            if (_end == 0)
            {
                throw new EndOfStreamException("Redis closed the connection in the middle of a reply");
            }
        }
    }
}
