using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>Leaving a namespace with DISCONNECT (<c>41</c>) keeps the Engine.IO connection and the other namespaces.</summary>
public sealed class SocketIoDisconnectTests : ConformanceFixture
{
    [Test]
    public async Task Disconnecting_from_the_main_namespace_keeps_the_engine_connection_open()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("41");
        // Two pings, so at least one arrives after the server has handled the DISCONNECT.
        for (var i = 0; i < 2; i++)
        {
            var next = await socket.NextAsync();
            Assert.That(next.Text, Is.EqualTo("2"), "the next thing on the connection is a heartbeat ping, not a close");
        }
    }

    [Test]
    public async Task After_disconnecting_from_the_main_namespace_the_client_can_connect_to_it_again()
    {
        await using var socket = await ConnectSocketIoAsync();
        await socket.SendAsync("41");
        await socket.SendAsync("40");
        Assert.That(await socket.NextTextAsync(), Does.StartWith("40{\"sid\":"));
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"auth\",{}]"));
        await socket.SendAsync("42[\"message\",\"again\"]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"message-back\",\"again\"]"));
    }

    [Test]
    public async Task Connecting_then_disconnecting_a_custom_namespace_leaves_the_main_namespace_working()
    {
        await using var socket = await ConnectSocketIoAsync();
        Assert.That((await socket.NextAsync()).Text, Is.EqualTo("2"), "a heartbeat goes by first, as in the suite");
        await socket.SendAsync("40/custom");
        Assert.That(await socket.NextTextAsync(), Does.StartWith("40/custom,{\"sid\":"));
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42/custom,[\"auth\",{}]"));
        await socket.SendAsync("41/custom");
        await socket.SendAsync("42[\"message\",\"message to main namespace\"]");
        Assert.That(await socket.NextTextAsync(), Is.EqualTo("42[\"message-back\",\"message to main namespace\"]"));
    }
}
