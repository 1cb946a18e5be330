using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>A decoded Socket.IO packet; binary attachments are already put back in <see cref="Data"/>.</summary>
internal sealed class SocketPacket
{
    public SocketPacketType Type { get; init; }

    public string Namespace { get; init; } = "/";

    /// <summary>
    /// True when a comma followed the namespace. socket.io-parser 2.x (socket.io-client 1.x) leaves
    /// it out of a bare CONNECT, later parsers always write it: a hint to the client's generation.
    /// </summary>
    public bool NamespaceDelimited { get; init; }

    /// <summary>The acknowledgement id, or -1 when none.</summary>
    public long Id { get; init; } = -1;

    public JToken? Data { get; init; }

    /// <summary>Number of binary attachments announced in the header.</summary>
    public int Attachments { get; init; }
}
