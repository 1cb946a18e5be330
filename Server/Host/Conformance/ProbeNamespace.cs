using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Host.Conformance;

/// <summary>
/// The <c>/probe</c> namespace of <c>--profile conformance</c> (and its dynamic children
/// <c>/probe-&lt;digits&gt;</c>): small commands that let a black-box client exercise rooms,
/// broadcasts, acknowledgements, server-side operations and recovery from the outside. Written with
/// the public API only, as any application would.
/// </summary>
public static partial class ProbeNamespace
{
    /// <summary>Where <c>set-data</c> keeps its value in <see cref="Socket.Data"/>.</summary>
    private const string DataKey = "probe";

    private static readonly HashSet<string> Commands =
    [
        "join", "leave", "rooms", "to", "broadcast-to", "except", "set-data", "fetch",
        "ask-all", "ask-me", "sockets-join", "disconnect-room", "recover-probe",
        "whoami", "servers", "last-server-event",
    ];

    [GeneratedRegex(@"^/probe-\d+$")]
    private static partial Regex ChildName();

    /// <summary>
    /// Connection state recovery for the probe namespaces only (60 s): elsewhere in this profile
    /// events must go out without the offset argument, exactly as the official suites expect them.
    /// </summary>
    public static ConnectionStateRecoveryOptions Recovery { get; } = new()
    {
        MaxDisconnectionDuration = TimeSpan.FromSeconds(60),
        Namespaces = name => name == "/probe" || ChildName().IsMatch(name),
    };

    /// <summary>
    /// Registers <c>/probe</c> and the <c>^/probe-\d+$</c> children with the same middleware and
    /// handlers. <paramref name="serverId"/> names this server in a cluster (<c>whoami</c>, <c>servers</c>).
    /// </summary>
    public static void Register(SocketIoServer io, Func<string> serverId)
    {
        var cluster = new ClusterProbe(io, serverId);
        foreach (var ns in new[] { io.Of("/probe"), io.Of(ChildName()) })
        {
            ns.Use(RefuseBadToken);
            ns.OnConnection(socket =>
            {
                Attach(socket);
                cluster.Attach(socket);
            });
        }
    }

    /// <summary>
    /// The cluster commands: <c>whoami</c> (this server's id), <c>servers</c> (the other servers'
    /// ids, by a server-side emit with acknowledgements of <c>probe-hello</c> on the main
    /// namespace; empty if the time runs out first) and <c>last-server-event</c> (the arguments of
    /// the last <c>emitter-ping</c> server-side event, as a Redis emitter sends it; null before any).
    /// </summary>
    private sealed class ClusterProbe
    {
        private readonly SocketIoServer _io;
        private readonly Func<string> _serverId;
        private JArray? _lastEmitterPing;

        public ClusterProbe(SocketIoServer io, Func<string> serverId)
        {
            _io = io;
            _serverId = serverId;
            io.Sockets.OnServerSideEmit("probe-hello", (_, ack) => ack(serverId()));
            io.Sockets.OnServerSideEmit("emitter-ping", args => Volatile.Write(ref _lastEmitterPing, (JArray)args.DeepClone()));
        }

        public void Attach(Socket socket)
        {
            socket.On("whoami", e => e.Ack(_serverId()));
            socket.On("servers", async e =>
            {
                JArray ids;
                try
                {
                    var answers = await _io.Sockets.ServerSideEmitWithAckAsync(Milliseconds(e, 0), "probe-hello");
                    ids = new JArray(answers.Select(a => a.ToString()).Order(StringComparer.Ordinal));
                }
                catch (TimeoutException)
                {
                    ids = [];
                }
                e.Ack(ids);
            });
            socket.On("last-server-event", e => e.Ack(Volatile.Read(ref _lastEmitterPing)?.DeepClone() ?? JValue.CreateNull()));
        }
    }

    private static Task RefuseBadToken(Socket socket)
    {
        if (socket.Auth["token"] is JValue { Type: JTokenType.String } token && (string?)token == "bad")
        {
            throw new SocketIoConnectionException("unauthorized", new JObject { ["code"] = 401 });
        }
        return Task.CompletedTask;
    }

    private static void Attach(Socket socket)
    {
        // A child of the regex parent has its own rooms and sockets: always act on the socket's own namespace.
        var ns = socket.Namespace;
        socket.On("join", e => e.Ack(Joined(socket, e, join: true)));
        socket.On("leave", e => e.Ack(Joined(socket, e, join: false)));
        socket.On("rooms", e => e.Ack(new JArray(socket.Rooms.Order(StringComparer.Ordinal))));
        socket.On("to", e => Done(e, ns.To(Room(e, 0)).Emit(EventName(e, 1), e.Arg(2))));
        socket.On("broadcast-to", e => Done(e, socket.To(Room(e, 0)).Emit(EventName(e, 1), e.Arg(2))));
        socket.On("except", e => Done(e, ns.Except(Room(e, 0)).Emit(EventName(e, 1), e.Arg(2))));
        socket.On("set-data", e =>
        {
            socket.Data[DataKey] = e.Arg(0)?.DeepClone();
            e.Ack(true);
        });
        socket.On("fetch", async e =>
        {
            var room = e.Arg(0);
            var target = room is null || room.Type == JTokenType.Null ? ns.FetchSocketsAsync() : ns.In(room.ToString()).FetchSocketsAsync();
            var sockets = await target;
            e.Ack(new JArray(sockets.Select(s => new JObject
            {
                ["id"] = s.Id,
                ["rooms"] = new JArray(s.Rooms.Order(StringComparer.Ordinal)),
                ["data"] = s.Data.TryGetValue(DataKey, out var data) && data is JToken token ? token.DeepClone() : new JObject(),
            })));
        });
        socket.On("ask-all", async e =>
        {
            var result = await socket.Broadcast.Timeout(Milliseconds(e, 1)).EmitWithAckAsync(EventName(e, 0));
            // Node hands the first argument of each answer to the broadcast's callback.
            e.Ack(new JArray(result.Responses.Select(answer => answer.Count > 0 ? answer[0] : JValue.CreateNull())));
        });
        socket.On("ask-me", async e =>
        {
            try
            {
                var answer = await socket.EmitWithAckAsync(Milliseconds(e, 0), "question");
                e.Ack(answer.Count > 0 ? answer[0] : JValue.CreateNull());
            }
            catch (TimeoutException)
            {
                e.Ack("timeout");
            }
        });
        socket.On("sockets-join", e =>
        {
            ns.In(Room(e, 0)).SocketsJoin(Room(e, 1));
            e.Ack(true);
        });
        socket.On("disconnect-room", e =>
        {
            // Answered first: the sender may be in the room, and a disconnected socket gets no ack.
            e.Ack(true);
            ns.In(Room(e, 0)).DisconnectSockets();
        });
        socket.On("recover-probe", e => e.Ack(socket.Recovered));
        socket.OnAny(e =>
        {
            if (!Commands.Contains(e.Name))
            {
                var all = new JArray(e.Name);
                foreach (var arg in e.Args)
                {
                    all.Add(arg.DeepClone());
                }
                socket.Emit("any", all);
            }
        });
    }

    /// <summary>Acknowledges a command with <c>true</c> once its work (the argument) is done.</summary>
    private static void Done(SocketEvent e, bool _) => e.Ack(true);

    private static bool Joined(Socket socket, SocketEvent e, bool join)
    {
        if (join)
        {
            socket.Join(Room(e, 0));
        }
        else
        {
            socket.Leave(Room(e, 0));
        }
        return true;
    }

    private static string Room(SocketEvent e, int index) =>
        e.Arg(index) is JValue { Value: not null } value ? value.ToString() : throw new ArgumentException($"argument {index} must be a room name");

    private static string EventName(SocketEvent e, int index) =>
        e.Arg(index) is JValue { Type: JTokenType.String } value ? (string)value! : throw new ArgumentException($"argument {index} must be an event name");

    private static TimeSpan Milliseconds(SocketEvent e, int index) =>
        e.Arg(index) is JValue { Type: JTokenType.Integer or JTokenType.Float } value
            ? TimeSpan.FromMilliseconds(Math.Clamp((double)value, 0, 60_000))
            : throw new ArgumentException($"argument {index} must be a timeout in milliseconds");
}
