using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Messages over an Engine.IO v3 WebSocket through a raw echo: text frames carry the type digit,
/// binary frames carry the type as their first byte.
/// </summary>
public sealed class EngineV3WebSocketMessageTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await EngineEcho.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private async Task<RawWebSocket> OpenAsync(string query = "")
    {
        var socket = await RawWebSocket.ConnectAsync(_server.WsUrl + "/engine.io/?EIO=3&transport=websocket" + query);
        Assert.That((await socket.ReceiveAsync()).Text, Does.StartWith("0{"));
        return socket;
    }

    [Test]
    public async Task A_text_packet_is_echoed_as_the_same_text_frame()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync("4hello");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4hello"));
    }

    [Test]
    public async Task Non_ASCII_text_is_echoed_unchanged()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync("4中文 😀 €");
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("4中文 😀 €"));
    }

    [Test]
    public async Task A_binary_frame_starts_with_the_packet_type_byte_both_ways()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync(new byte[] { 4, 1, 2, 3, 4 });
        var echo = await socket.ReceiveAsync();
        Assert.That(echo.Binary, Is.EqualTo(new byte[] { 4, 1, 2, 3, 4 }), echo.ToString());
    }

    [Test]
    public async Task A_base64_text_frame_is_binary_and_comes_back_as_a_binary_frame()
    {
        // A client without binary WebSocket support sends "b4" + base64; one that did not ask for
        // b64 still gets real binary frames back.
        await using var socket = await OpenAsync();
        await socket.SendAsync("b4AQIDBA==");
        Assert.That((await socket.ReceiveAsync()).Binary, Is.EqualTo(new byte[] { 4, 1, 2, 3, 4 }));
    }

    [Test]
    public async Task A_b64_client_gets_binary_back_as_base64_text_frames()
    {
        await using var socket = await OpenAsync("&b64=1");
        await socket.SendAsync(new byte[] { 4, 1, 2, 3, 4 });
        Assert.That((await socket.ReceiveAsync()).Text, Is.EqualTo("b4AQIDBA=="));
    }

    [TestCase("abc")]
    [TestCase("9hello")]
    public async Task An_invalid_text_packet_closes_the_socket(string frame)
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync(frame);
        Assert.That((await socket.ReceiveAsync()).IsClose, Is.True);
    }

    [Test]
    public async Task A_binary_frame_with_an_invalid_type_byte_closes_the_socket()
    {
        await using var socket = await OpenAsync();
        await socket.SendAsync(new byte[] { 9, 1, 2 });
        Assert.That((await socket.ReceiveAsync()).IsClose, Is.True);
    }
}
