namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// A class-based namespace whose emits are typed (SignalR's <c>Hub&lt;T&gt;</c>): <see cref="Clients"/>
/// gives <typeparamref name="TClient"/> for the caller, the others, rooms or one socket, and the
/// interface is checked when the namespace is mapped.
/// </summary>
/// <typeparam name="TClient">An interface of client events (see <see cref="SocketIoClients{TClient}"/>).</typeparam>
public abstract class NamespaceHandler<TClient> : NamespaceHandler
    where TClient : class
{
    /// <summary>Typed targets seen from the current socket.</summary>
    public SocketIoClients<TClient> Clients => new(Socket);
}
