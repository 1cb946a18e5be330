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
    }

    public static object RevisionTag(int version) => version == 3 ? Revision3 : version == 4 ? Revision4 : version;

    public void ConnectionChanged(int delta, int protocol, string transport) =>
        _connections.Add(delta, new("engineio.protocol", RevisionTag(protocol)), new("engineio.transport", transport));

    public void Upgraded(int protocol) => _upgrades.Add(1, new KeyValuePair<string, object?>("engineio.protocol", RevisionTag(protocol)));

    public void PacketsReceived(string transport, int count = 1)
    {
        if (_packetsReceived.Enabled)
        {
            _packetsReceived.Add(count, new KeyValuePair<string, object?>("engineio.transport", transport));
        }
    }

    public void PacketsSent(string transport, int count = 1)
    {
        if (_packetsSent.Enabled)
        {
            _packetsSent.Add(count, new KeyValuePair<string, object?>("engineio.transport", transport));
        }
    }
}
