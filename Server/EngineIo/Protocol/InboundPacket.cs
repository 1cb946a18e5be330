namespace SocketIoChat.EngineIo.Protocol;

/// <summary>A decoded packet from the client; <see cref="Data"/> excludes the type digit.</summary>
internal readonly record struct InboundPacket(EnginePacketType Type, ReadOnlyMemory<byte> Data, bool IsBinary);
