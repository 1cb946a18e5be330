using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Hosting;
using SocketIoChat.EngineIo.Protocol;

namespace SocketIoChat.Tests.Support;

/// <summary>
/// A raw Engine.IO echo at <c>/engine.io/</c>, like the conformance profile's, but with a heartbeat
/// of the test's choosing: the profile's 300/200 ms kills an EIO=3 session that goes 500 ms without
/// a ping, which a loaded machine can take between two requests.
/// </summary>
public static class EngineEcho
{
    /// <summary>Starts the echo; the heartbeat defaults to the library's 25 s / 20 s.</summary>
    public static Task<TestServer> StartAsync(TimeSpan? pingInterval = null, TimeSpan? pingTimeout = null) =>
        TestServer.StartLibraryAsync(
            _ => { },
            app => app.MapEngineIo("/engine.io", new Echo(), options =>
            {
                options.PingInterval = pingInterval ?? options.PingInterval;
                options.PingTimeout = pingTimeout ?? options.PingTimeout;
            }));

    /// <summary>Starts the echo with options of the test's choosing (the library's defaults otherwise).</summary>
    public static Task<TestServer> StartAsync(Action<EngineIoOptions> configure) =>
        TestServer.StartLibraryAsync(_ => { }, app => app.MapEngineIo("/engine.io", new Echo(), configure));

    /// <summary>
    /// Sends every message back as it came, text or binary; a text message starting with
    /// <c>plain:</c> comes back marked not to be compressed.
    /// </summary>
    private sealed class Echo : IEngineConnectionHandler
    {
        public void OnOpened(IEngineConnection connection)
        {
        }

        public void OnMessage(IEngineConnection connection, ReadOnlySpan<byte> data, bool isBinary)
        {
            var message = isBinary ? EngineMessage.Binary(data.ToArray()) : EngineMessage.Text(EnginePacketType.Message, data);
            connection.Send(!isBinary && data.StartsWith("plain:"u8) ? message.WithoutCompression() : message);
        }

        public void OnClosed(IEngineConnection connection, string reason)
        {
        }
    }
}
