using System.Diagnostics.Metrics;

namespace SocketIoChat.SocketIo;

/// <summary>
/// The Socket.IO layer's instruments, on the meter <c>SocketIoChat.SocketIo</c> (names and tags in
/// docs/api.md). Every tag is the namespace name. The rest of the layer calls these with one line
/// each; with no listener attached a call costs a flag check.
/// </summary>
internal sealed class SocketIoMetrics
{
    /// <summary>The meter name, for <c>AddMeter</c> in OpenTelemetry or <c>dotnet-counters</c>.</summary>
    public const string MeterName = "SocketIoChat.SocketIo";

    private const string NamespaceTag = "socketio.namespace";

    private readonly UpDownCounter<long> _sockets;
    private readonly Counter<long> _eventsReceived;
    private readonly Counter<long> _eventsSent;
    private readonly Histogram<int> _broadcastRecipients;
    private readonly Histogram<double> _ackDuration;
    private readonly Counter<long> _ackTimeouts;

    public SocketIoMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _sockets = meter.CreateUpDownCounter<long>("socketio.sockets", "{socket}",
            "Sockets connected, by namespace.");
        _eventsReceived = meter.CreateCounter<long>("socketio.events.received", "{event}",
            "Events received from clients, by namespace.");
        _eventsSent = meter.CreateCounter<long>("socketio.events.sent", "{event}",
            "Events sent to clients (a broadcast counts once per recipient), by namespace.");
        _broadcastRecipients = meter.CreateHistogram<int>("socketio.broadcast.recipients", "{socket}",
            "Local recipients of each broadcast, by namespace.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [0, 1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000] });
        _ackDuration = meter.CreateHistogram<double>("socketio.ack.duration", "s",
            "Time from an emit with acknowledgement to the client's answer, by namespace.");
        _ackTimeouts = meter.CreateCounter<long>("socketio.ack.timeouts", "{ack}",
            "Emits whose acknowledgement did not come in time, by namespace.");
    }

    public void SocketConnected(string nsp) => _sockets.Add(1, new KeyValuePair<string, object?>(NamespaceTag, nsp));

    public void SocketDisconnected(string nsp) => _sockets.Add(-1, new KeyValuePair<string, object?>(NamespaceTag, nsp));

    public void EventReceived(string nsp) => _eventsReceived.Add(1, new KeyValuePair<string, object?>(NamespaceTag, nsp));

    public void EventSent(string nsp) => _eventsSent.Add(1, new KeyValuePair<string, object?>(NamespaceTag, nsp));

    /// <summary>One broadcast reached <paramref name="recipients"/> local sockets.</summary>
    public void Broadcast(string nsp, int recipients)
    {
        var tag = new KeyValuePair<string, object?>(NamespaceTag, nsp);
        _broadcastRecipients.Record(recipients, tag);
        if (recipients > 0)
        {
            _eventsSent.Add(recipients, tag);
        }
    }

    public void AckReceived(string nsp, TimeSpan elapsed) =>
        _ackDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(NamespaceTag, nsp));

    public void AckTimedOut(string nsp) => _ackTimeouts.Add(1, new KeyValuePair<string, object?>(NamespaceTag, nsp));
}
