using System.Diagnostics.Metrics;

namespace SocketIoChat.EngineIo;

/// <summary>
/// The engine layer's instruments, on the meter <c>SocketIoChat.EngineIo</c> (see docs/api.md for
/// names and tags). With no listener attached each call costs a flag check.
/// </summary>
internal sealed class EngineMetrics
{
    /// <summary>The meter name, for <c>AddMeter</c> in OpenTelemetry or <c>dotnet-counters</c>.</summary>
    public const string MeterName = "SocketIoChat.EngineIo";

    // Boxed once: a tag value is an object, and boxing the revision per call would allocate.
    private static readonly object Revision3 = 3;
    private static readonly object Revision4 = 4;

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _upgrades;
    private readonly Counter<long> _packetsReceived;
    private readonly Counter<long> _packetsSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Histogram<double> _connectionDuration;

    public EngineMetrics(IMeterFactory? meterFactory)
    {
        // Without a factory (an EngineServer built by hand) the meter is the process's own.
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = meter.CreateUpDownCounter<long>("engineio.connections", "{connection}",
            "Open Engine.IO sessions, by protocol revision and current transport.");
        _upgrades = meter.CreateCounter<long>("engineio.upgrades", "{upgrade}",
            "Sessions upgraded from polling to WebSocket.");
        _packetsReceived = meter.CreateCounter<long>("engineio.packets.received", "{packet}",
            "Engine.IO packets received from clients, by transport.");
        _packetsSent = meter.CreateCounter<long>("engineio.packets.sent", "{packet}",
            "Engine.IO packets written to clients, by transport.");
        _bytesReceived = meter.CreateCounter<long>("engineio.bytes.received", "By",
            "Payload bytes received: WebSocket message payloads and polling request bodies, by transport.");
        _bytesSent = meter.CreateCounter<long>("engineio.bytes.sent", "By",
            "Payload bytes written: WebSocket message payloads (before permessage-deflate) and polling response bodies (after HTTP compression), by transport.");
        _connectionDuration = meter.CreateHistogram<double>("engineio.connection.duration", "s",
            "How long sessions lasted, from the handshake to the close, by protocol revision and last transport.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 5, 30, 60, 300, 900, 3600, 14400, 86400] });
    }

    public static object RevisionTag(int version) => version == 3 ? Revision3 : version == 4 ? Revision4 : version;

    public void ConnectionChanged(int delta, int protocol, string transport) =>
        _connections.Add(delta, new("engineio.protocol", RevisionTag(protocol)), new("engineio.transport", transport));

    public void Upgraded(int protocol) => _upgrades.Add(1, new KeyValuePair<string, object?>("engineio.protocol", RevisionTag(protocol)));

    public void PacketsReceived(string transport, int count, long bytes)
    {
        if (_packetsReceived.Enabled)
        {
            _packetsReceived.Add(count, new KeyValuePair<string, object?>("engineio.transport", transport));
        }
        if (_bytesReceived.Enabled)
        {
            _bytesReceived.Add(bytes, new KeyValuePair<string, object?>("engineio.transport", transport));
        }
    }

    public void PacketsSent(string transport, int count, long bytes)
    {
        if (_packetsSent.Enabled)
        {
            _packetsSent.Add(count, new KeyValuePair<string, object?>("engineio.transport", transport));
        }
        if (_bytesSent.Enabled)
        {
            _bytesSent.Add(bytes, new KeyValuePair<string, object?>("engineio.transport", transport));
        }
    }

    public void ConnectionClosed(TimeSpan lasted, int protocol, string transport)
    {
        if (_connectionDuration.Enabled)
        {
            _connectionDuration.Record(lasted.TotalSeconds, new("engineio.protocol", RevisionTag(protocol)), new("engineio.transport", transport));
        }
    }
}
