namespace SocketIoChat.EngineIo.Protocol;

/// <summary>The Engine.IO packet types; the numeric value is the digit sent on the wire.</summary>
public enum EnginePacketType : byte
{
    /// <summary>Handshake sent by the server: <c>0{"sid":…}</c>.</summary>
    Open = 0,
    /// <summary>Closes the session (polling only on the wire).</summary>
    Close = 1,
    /// <summary>Heartbeat request (server to client in v4, client to server in v3), or <c>2probe</c> during upgrade.</summary>
    Ping = 2,
    /// <summary>Heartbeat answer, or <c>3probe</c> during upgrade.</summary>
    Pong = 3,
    /// <summary>An application message; the only type handed to the layer above.</summary>
    Message = 4,
    /// <summary>Sent by the client over the new transport to finish an upgrade.</summary>
    Upgrade = 5,
    /// <summary>Does nothing; ends a pending poll cleanly.</summary>
    Noop = 6,
}
