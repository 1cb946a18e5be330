using SocketIoChat.SocketIo.Adapter;
using SocketIoChat.SocketIo.Hosting;

namespace SocketIoChat.Tests.Adapters;

/// <summary>The adapter specification on the default adapter: one server, so every case is local.</summary>
[TestFixture]
public sealed class InMemoryAdapterTests : AdapterSpecification
{
    protected override int ServerCount => 1;

    protected override void UseAdapter(SocketIoBuilder builder, int index)
    {
        // The default: no UseAdapter call at all.
    }
}

/// <summary>The adapter specification on the recovery-keeping adapter, chosen explicitly through <c>UseAdapter</c>.</summary>
[TestFixture]
public sealed class SessionAwareAdapterTests : AdapterSpecification
{
    protected override int ServerCount => 1;

    protected override void UseAdapter(SocketIoBuilder builder, int index) =>
        builder.UseAdapter((_, ns) => new SessionAwareAdapter(ns));
}
