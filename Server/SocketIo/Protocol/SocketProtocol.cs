using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>
/// What differs between Socket.IO protocol revisions, in one place: how namespace connections are
/// answered and refused. Events, acks and binary attachments are encoded alike in every revision.
/// </summary>
internal abstract class SocketProtocol
{
    /// <summary>The acceptance of a namespace connection; <paramref name="pid"/> is the private session id of connection state recovery, if on.</summary>
    public abstract EngineMessage[] ConnectAccepted(string nsp, string socketId, string? pid);

    /// <summary>The refusal of a namespace connection.</summary>
    public abstract EngineMessage[] ConnectRefused(string nsp, string message, JToken? data);

    /// <summary>
    /// True when the client does not ask for <c>/</c> but is connected to it at once (revisions 3
    /// and 4); false when every namespace, <c>/</c> included, waits for the client's CONNECT (v5).
    /// </summary>
    public abstract bool ConnectsMainNamespaceOnOpen { get; }

    /// <summary>
    /// The id a socket of this revision must have, or null for a fresh random one (v5: the engine
    /// id is a credential and stays private).
    /// </summary>
    public virtual string? SocketId(string nsp, string engineId) => null;

    /// <summary>Picks the Socket.IO revision that goes with the engine revision of a connection.</summary>
    public static SocketProtocol For(IEngineConnection connection) =>
        connection.ProtocolVersion == 3 ? SocketProtocolV4.Instance : SocketProtocolV5.Instance;
}

/// <summary>
/// Socket.IO revisions 4 and 3 (clients 2.x and 1.x, over Engine.IO v3): the server connects the
/// client to <c>/</c> by itself, a CONNECT is answered without payload, and a refusal carries its
/// data as is, or else its message as a plain string.
/// </summary>
internal sealed class SocketProtocolV4 : SocketProtocol
{
    public static SocketProtocolV4 Instance { get; } = new();

    public override bool ConnectsMainNamespaceOnOpen => true;

    /// <summary>
    /// The engine id on <c>/</c>, <c>nsp#engineId</c> elsewhere: socket.io-client 2.x computes its
    /// <c>socket.id</c> this way and applications address sockets by it (<c>io.to(id)</c>), so the
    /// reference servers (1.4 and later, 4.x for these clients) name v3 sockets the same.
    /// </summary>
    public override string? SocketId(string nsp, string engineId) => nsp == "/" ? engineId : nsp + "#" + engineId;

    public override EngineMessage[] ConnectAccepted(string nsp, string socketId, string? pid) =>
        SocketPacketEncoder.Encode(SocketPacketType.Connect, nsp, -1, null);

    /// <summary>
    /// The payload is the refusal's data when it has any, else its message: the reference servers
    /// (socket.io 2.x and, for these clients, 4.x) send <c>err.data || err.message</c>, and a 2.x
    /// client hands that payload to its <c>error</c> listener.
    /// </summary>
    public override EngineMessage[] ConnectRefused(string nsp, string message, JToken? data) =>
        SocketPacketEncoder.Encode(SocketPacketType.ConnectError, nsp, -1, data ?? new JValue(message));
}

/// <summary>Socket.IO revision 5 (clients 3.x and 4.x): the client asks for every namespace, even <c>/</c>.</summary>
internal sealed class SocketProtocolV5 : SocketProtocol
{
    public static SocketProtocolV5 Instance { get; } = new();

    public override bool ConnectsMainNamespaceOnOpen => false;

    public override EngineMessage[] ConnectAccepted(string nsp, string socketId, string? pid) =>
        SocketPacketEncoder.Encode(SocketPacketType.Connect, nsp, -1,
            pid is null ? new JObject { ["sid"] = socketId } : new JObject { ["sid"] = socketId, ["pid"] = pid });

    public override EngineMessage[] ConnectRefused(string nsp, string message, JToken? data)
    {
        var payload = new JObject { ["message"] = message };
        if (data is not null)
        {
            payload["data"] = data;
        }
        return SocketPacketEncoder.Encode(SocketPacketType.ConnectError, nsp, -1, payload);
    }
}
