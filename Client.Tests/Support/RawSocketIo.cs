namespace SocketIoChat.Tests.Support;

/// <summary>Opens Socket.IO v5 connections by hand over a raw WebSocket.</summary>
public static class RawSocketIo
{
    /// <summary>
    /// Opens an Engine.IO WebSocket session on <c>/socket.io/</c> and connects it to <paramref name="nsp"/>;
    /// returns the socket and the CONNECT answer (e.g. <c>40/chat,{"sid":"…"}</c>).
    /// </summary>
    public static async Task<(RawWebSocket Socket, string Answer)> ConnectAsync(TestServer server, string nsp, string auth = "")
    {
        var socket = await RawWebSocket.ConnectAsync(server.WsUrl + "/socket.io/?EIO=4&transport=websocket");
        var open = await socket.ReceiveAsync();
        Assert.That(open.Text, Does.StartWith("0{"));
        await socket.SendAsync(nsp == "/" ? "40" + auth : $"40{nsp},{auth}");
        return (socket, await socket.ReceiveTextSkippingPingsAsync());
    }

    /// <summary>Receives text packets until one starts with <paramref name="marker"/>, returning those before it.</summary>
    public static async Task<List<string>> ReceiveUntilAsync(this RawWebSocket socket, string marker)
    {
        var before = new List<string>();
        while (true)
        {
            var text = await socket.ReceiveTextSkippingPingsAsync();
            if (text.StartsWith(marker, StringComparison.Ordinal))
            {
                return before;
            }
            before.Add(text);
        }
    }
}
