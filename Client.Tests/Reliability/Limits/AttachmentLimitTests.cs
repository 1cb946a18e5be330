using SocketIoChat.SocketIo.Protocol;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Limits;

/// <summary>
/// One binary packet may hold at most <c>MaxAttachments</c> (10, as the reference parser) attachments
/// of at most <c>MaxHttpBufferSize</c> bytes in all: more closes the connection at once instead of
/// holding the pieces (up to a gigabyte before).
/// </summary>
public sealed class AttachmentLimitTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await TestServer.StartAsync("default");

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private async Task<EngineWebSocket> ConnectTestAsync()
    {
        var (socket, _) = await EngineWebSocket.OpenAsync(_server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        await socket.SendAsync("40/test,");
        Assert.That((await socket.NextSkippingPingsAsync()).Text, Does.StartWith("40/test,"));
        Assert.That((await socket.NextSkippingPingsAsync()).Text, Does.Contain("Connected"));
        return socket;
    }

    [Test]
    public async Task A_packet_announcing_more_than_ten_attachments_closes_the_connection_at_its_header()
    {
        await using var socket = await ConnectTestAsync();
        await socket.SendAsync("4511-/test,[\"my event\",{\"_placeholder\":true,\"num\":0}]");
        await socket.ExpectClosedAsync();
    }

    [Test]
    public async Task Ten_attachments_are_still_accepted()
    {
        await using var socket = await ConnectTestAsync();
        var placeholders = string.Join(",", Enumerable.Range(0, 10).Select(n => $"{{\"_placeholder\":true,\"num\":{n}}}"));
        await socket.SendAsync($"4510-/test,[\"my event\",{{\"data\":[{placeholders}]}}]");
        for (var n = 0; n < 10; n++)
        {
            await socket.SendAsync(new byte[] { (byte)n });
        }
        var echoed = await socket.NextSkippingPingsAsync();
        Assert.That(echoed.Text, Does.StartWith("4510-/test,[\"my response\""));
    }

    [Test]
    public async Task Attachments_adding_up_to_more_than_MaxHttpBufferSize_close_the_connection()
    {
        await using var socket = await ConnectTestAsync();
        await socket.SendAsync("453-/test,[\"my event\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":2}]");
        // Each under the 1,000,000-byte frame limit, together over it.
        await socket.SendAsync(new byte[600_000]);
        await socket.SendAsync(new byte[600_000]);
        await socket.ExpectClosedAsync();
    }

    [Test]
    public void The_decoder_refuses_an_eleventh_attachment_and_too_many_bytes()
    {
        var decoder = new SocketPacketDecoder(10, 1_000);
        Assert.That(decoder.Decode("511-[\"e\"]"u8, false, out _, out var error), Is.EqualTo(SocketPacketDecoder.Result.Error));
        Assert.That(error, Does.Contain("11 attachments"));

        var bytes = new SocketPacketDecoder(10, 1_000);
        Assert.That(bytes.Decode("52-[\"e\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"u8, false, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.NeedMore));
        Assert.That(bytes.Decode(new byte[600], true, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.NeedMore));
        Assert.That(bytes.Decode(new byte[600], true, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.Error));
    }
}
