namespace SocketIoChat.SocketIo.Protocol;

/// <summary>Socket.IO packet types; the value is the digit sent after the Engine.IO <c>4</c>.</summary>
public enum SocketPacketType : byte
{
    /// <summary>Connection to a namespace (request, or the server's acceptance).</summary>
    Connect = 0,
    /// <summary>Leaves a namespace.</summary>
    Disconnect = 1,
    /// <summary>A named event with arguments.</summary>
    Event = 2,
    /// <summary>The answer to an event that asked for one.</summary>
    Ack = 3,
    /// <summary>The server refused a namespace connection.</summary>
    ConnectError = 4,
    /// <summary>An event whose arguments contain binary attachments.</summary>
    BinaryEvent = 5,
    /// <summary>An acknowledgement whose arguments contain binary attachments.</summary>
    BinaryAck = 6,
}
