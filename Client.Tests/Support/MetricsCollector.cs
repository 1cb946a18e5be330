using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace SocketIoChat.Tests.Support;

/// <summary>One measurement as a listener saw it.</summary>
public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// Records the SocketIoChat meters of one test server only (by the server's meter factory), so
/// tests running at the same time in this process do not add to what a test sees.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    /// <summary>
    /// Starts listening to the SocketIoChat meters <paramref name="server"/> made, and to those of
    /// its meters named in <paramref name="otherMeters"/> (e.g. Kestrel's).
    /// </summary>
    public MetricsCollector(TestServer server, params string[] otherMeters)
    {
        var scope = server.App.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope) && (instrument.Meter.Name.StartsWith("SocketIoChat.", StringComparison.Ordinal) || otherMeters.Contains(instrument.Meter.Name)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every measurement of <paramref name="instrument"/> whose tags include <paramref name="tags"/>.</summary>
    public IReadOnlyList<Measurement> Of(string instrument, params (string Key, object Value)[] tags) =>
        [.. _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value)))];

    /// <summary>The sum of the values of <see cref="Of"/> (the current value of an up-down counter).</summary>
    public double Sum(string instrument, params (string Key, object Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }
        _measurements.Enqueue(new Measurement(instrument.Name, value, copy));
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
