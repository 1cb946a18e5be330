namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// The single-server adapter (Node's default <c>Adapter</c>): rooms in memory, broadcasts to the
/// local sockets only; every cluster-wide operation acts on this server alone.
/// </summary>
public sealed class InMemoryAdapter(Namespace ns) : SocketIoAdapter(ns);
