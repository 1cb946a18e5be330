using System.Diagnostics;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo;

/// <summary>
/// The Socket.IO layer's traces, on the activity source <c>SocketIoChat.SocketIo</c>: one activity
/// per handler run for a received event (<c>socketio.event</c>) and one per run of a namespace's
/// connection middleware (<c>socketio.connect</c>). Their parent is the W3C trace context of the
/// client's handshake: the <c>traceparent</c>/<c>tracestate</c> headers of the handshake request,
/// else a <c>traceparent</c> string in the CONNECT packet's auth (what a browser can send).
/// Without a listener nothing is created.
/// </summary>
public static class SocketIoTelemetry
{
    /// <summary>The activity source name, for <c>AddSource</c> in OpenTelemetry.</summary>
    public const string ActivitySourceName = "SocketIoChat.SocketIo";

    /// <summary>The meters of the engine and Socket.IO layers, for <c>AddMeter</c> in OpenTelemetry.</summary>
    public static IReadOnlyList<string> MeterNames { get; } = [EngineIo.EngineMetrics.MeterName, SocketIoMetrics.MeterName];

    /// <summary>Operation name of the activity around each handler run for an event.</summary>
    public const string EventActivityName = "socketio.event";

    /// <summary>Operation name of the activity around a namespace's connection middleware.</summary>
    public const string ConnectActivityName = "socketio.connect";

    private static readonly ActivitySource Source = new(ActivitySourceName, typeof(SocketIoTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the activity of one handler run, or null when nobody listens.</summary>
    internal static Activity? StartEvent(Socket socket, string eventName) =>
        Source.HasListeners() ? Start(EventActivityName, socket, eventName, eventName) : null;

    /// <summary>Starts the activity of a connection middleware run, or null when nobody listens.</summary>
    internal static Activity? StartConnect(Socket socket) =>
        Source.HasListeners() ? Start(ConnectActivityName, socket, "connect", null) : null;

    private static Activity? Start(string operation, Socket socket, string what, string? eventName)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Server, TraceParent(socket));
        if (activity is not null)
        {
            activity.DisplayName = $"{socket.Namespace.Name} {what}";
            activity.SetTag("socketio.namespace", socket.Namespace.Name);
            if (eventName is not null)
            {
                activity.SetTag("socketio.event", eventName);
            }
            activity.SetTag("socketio.socket.id", socket.Id);
        }
        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="error"/>.</summary>
    internal static void Fail(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.SetTag("error.type", error.GetType().FullName);
        activity.AddException(error);
    }

    /// <summary>
    /// Marks the current event activity failed: for handlers whose exception is caught and answered
    /// (class-based namespaces), so it never reaches the code that started the activity.
    /// </summary>
    internal static void FailCurrentEvent(Exception error)
    {
        if (Activity.Current is { OperationName: EventActivityName } current && current.Source == Source)
        {
            Fail(current, error);
        }
    }

    private static ActivityContext TraceParent(Socket socket)
    {
        var handshake = socket.Handshake;
        if (handshake.Headers.TryGetValue("traceparent", out var header))
        {
            handshake.Headers.TryGetValue("tracestate", out var state);
            if (ActivityContext.TryParse(header, state, isRemote: true, out var fromHeader))
            {
                return fromHeader;
            }
        }
        if (socket.Auth["traceparent"] is { Type: JTokenType.String } auth
            && ActivityContext.TryParse((string)auth!, socket.Auth["tracestate"] is { Type: JTokenType.String } authState ? (string?)authState : null, isRemote: true, out var fromAuth))
        {
            return fromAuth;
        }
        // None: the activity's parent is whatever is current (an HTTP request's, for a polling POST).
        return Activity.Current?.Context ?? default;
    }
}
