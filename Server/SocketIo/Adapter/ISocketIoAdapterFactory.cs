namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// Makes the adapter of each namespace of a server (Node's <c>adapter</c> server option). Register
/// one with <c>AddSocketIo().UseAdapter(...)</c>; without one, a namespace gets an
/// <see cref="InMemoryAdapter"/>, or a <see cref="SessionAwareAdapter"/> when it uses connection
/// state recovery. Parent namespaces (<c>io.Of(regex)</c>) never ask: they relay to their children.
/// </summary>
public interface ISocketIoAdapterFactory
{
    /// <summary>The adapter of <paramref name="ns"/>; the server calls <see cref="SocketIoAdapter.InitAsync"/> next.</summary>
    SocketIoAdapter Create(Namespace ns);
}

/// <summary>The factory used when the application registers none.</summary>
internal sealed class DefaultAdapterFactory : ISocketIoAdapterFactory
{
    public static readonly DefaultAdapterFactory Instance = new();

    public SocketIoAdapter Create(Namespace ns) => ns.Recovery is null ? new InMemoryAdapter(ns) : new SessionAwareAdapter(ns);
}
