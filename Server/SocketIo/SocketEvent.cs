using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.SocketIo;

/// <summary>An event received from a client: its name, its arguments and, if asked for, the acknowledgement.</summary>
public sealed class SocketEvent
{
    private readonly long _ackId;
    private int _acked;

    internal SocketEvent(Socket socket, string name, JArray args, long ackId)
    {
        Socket = socket;
        Name = name;
        Args = args;
        _ackId = ackId;
    }

    /// <summary>The socket that sent the event.</summary>
    public Socket Socket { get; }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>The arguments after the name; binary values are <see cref="JTokenType.Bytes"/> tokens.</summary>
    public JArray Args { get; }

    /// <summary>True when the client asked for an acknowledgement.</summary>
    public bool HasAck => _ackId >= 0;

    /// <summary>The argument at <paramref name="index"/>, or null when there are fewer.</summary>
    public JToken? Arg(int index) => index < Args.Count ? Args[index] : null;

    /// <summary>
    /// The argument at <paramref name="index"/> converted to <typeparamref name="T"/> with the
    /// server's <see cref="SocketIoServer.JsonSerializer"/>, or default when there are fewer.
    /// </summary>
    public T? Arg<T>(int index) => index < Args.Count ? Args[index].ToObject<T>(Socket.Server.JsonSerializer) : default;

    /// <summary>
    /// Answers the client's acknowledgement with <paramref name="args"/>. Only the first call is sent;
    /// false when the client asked for no acknowledgement or it was already sent.
    /// </summary>
    public bool Ack(params object?[] args)
    {
        if (!HasAck || Interlocked.Exchange(ref _acked, 1) == 1)
        {
            return false;
        }
        var packet = SocketPacketEncoder.EncodeAck(Socket.Server.JsonSerializer, Socket.Namespace.Name, _ackId, args);
        return Socket.Client.Send(packet);
    }
}
