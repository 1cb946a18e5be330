using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace SocketIoChat.Tests.Support;

/// <summary>A logger provider that keeps every formatted line, for tests about what the server logs.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The lines so far, as <c>Level Category: message</c>.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The lines logged at Error or Critical so far.</summary>
    public IReadOnlyList<string> Errors =>
        [.. _lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal))];

    /// <summary>
    /// Adds this provider to <paramref name="builder"/> from <paramref name="minimum"/> up (every
    /// level by default): the test servers' command line sets the default level to Warning, and a
    /// provider-specific rule overrides that for this provider only.
    /// </summary>
    public void AttachTo(WebApplicationBuilder builder, LogLevel minimum = LogLevel.Trace)
    {
        builder.Logging.AddProvider(this);
        builder.Logging.AddFilter<CapturedLogs>(null, minimum);
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing to release: the lines live as long as the test that reads them.
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
