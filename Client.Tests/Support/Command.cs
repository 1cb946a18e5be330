using System.Diagnostics;

namespace SocketIoChat.Tests.Support;

/// <summary>Runs a command-line tool (dotnet pack, dotnet new…) to completion; a failure or an overrun fails the test with its output.</summary>
public static class Command
{
    public static async Task RunAsync(string workingDirectory, TimeSpan limit, string file, params string[] args)
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
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {limit}");
        }
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{file} {string.Join(' ', args)} failed:\n{await stdout}\n{await stderr}");
    }
}
