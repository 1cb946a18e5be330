using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.EngineIo.Transports.WebSockets;

namespace SocketIoChat.Micro;

/// <summary>
/// The WebSocket transport on a connection's pipes (as the connection middleware runs it), with
/// inline pipe schedulers so one benchmark call is the whole path: a masked client text frame
/// written into the input, parsed and unmasked in place, handed to the engine, answered by the
/// handler with a prepared message, framed into the output and read back. Allocations per call are
/// the framing's own: the handler and the reply allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class WebSocketTransportBenchmarks
{
    private static readonly PipeOptions InlinePipe = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private readonly Pipe _input = new(InlinePipe);
    private readonly Pipe _output = new(InlinePipe);
    private byte[] _clientFrame = [];
    private int _replyLength;

    private sealed class EchoPrepared(EngineMessage reply) : IEngineConnectionHandler
    {
        public void OnOpened(IEngineConnection connection)
        {
        }

        public void OnMessage(IEngineConnection connection, ReadOnlySpan<byte> data, bool isBinary) => connection.Send(reply);

        public void OnClosed(IEngineConnection connection, string reason)
        {
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    [GlobalSetup]
    public void Setup()
    {
        var payload = "4" + "{\"n\":42,\"text\":\"hello from the load generator\"}";
        var reply = EngineMessage.Text(EnginePacketType.Message, Encoding.UTF8.GetBytes(payload[1..]));
        var server = new EngineServer(new EngineIoOptions { PingInterval = TimeSpan.FromHours(1), PingTimeout = TimeSpan.FromHours(1) }, new EchoPrepared(reply), NullLoggerFactory.Instance);
        var webSocket = new ConnectionWebSocketFeature(new DuplexPipe(_input.Reader, _output.Writer), () => { });
        var context = Upgrade(webSocket);
        var run = server.AnswerAsync(context).GetAwaiter().GetResult() ?? throw new InvalidOperationException("the upgrade was refused");
        _ = run.RunAsync();
        // The 101 answer and the open packet.
        if (_output.Reader.TryRead(out var opened))
        {
            _output.Reader.AdvanceTo(opened.Buffer.End);
        }

        var text = Encoding.UTF8.GetBytes(payload);
        var mask = new byte[] { 0x12, 0x34, 0x56, 0x78 };
        _clientFrame = [0x81, (byte)(0x80 | text.Length), .. mask, .. text.Select((b, i) => (byte)(b ^ mask[i % 4]))];
        _replyLength = 2 + text.Length;
    }

    private static DefaultHttpContext Upgrade(ConnectionWebSocketFeature webSocket)
    {
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = "GET",
            Path = "/engine.io/",
            QueryString = "?EIO=4&transport=websocket",
            Headers = new HeaderDictionary
            {
                ["Host"] = "localhost",
                ["Upgrade"] = "websocket",
                ["Connection"] = "Upgrade",
                ["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==",
                ["Sec-WebSocket-Version"] = "13",
            },
        });
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = IPAddress.Loopback });
        features.Set<IHttpWebSocketFeature>(webSocket);
        features.Set(webSocket);
        return new DefaultHttpContext(features);
    }

    /// <summary>One text frame in, one text frame out.</summary>
    [Benchmark]
    public long TextFrameRoundTrip()
    {
        _input.Writer.Write(_clientFrame);
        _ = _input.Writer.FlushAsync().GetAwaiter().GetResult();
        if (!_output.Reader.TryRead(out var result) || result.Buffer.Length != _replyLength)
        {
            throw new InvalidOperationException("no reply frame");
        }
        var length = result.Buffer.Length;
        _output.Reader.AdvanceTo(result.Buffer.End);
        return length;
    }
}
