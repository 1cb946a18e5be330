using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Micro;

/// <summary>
/// A broadcast through the adapter to N recipients whose connections only count what they are
/// handed: the difference between N = 1000 and N = 100 divided by 900 is the cost per recipient.
/// </summary>
[MemoryDiagnoser]
public class BroadcastBenchmarks
{
    private Namespace _room = null!;

    [Params(100, 1000)]
    public int Recipients { get; set; }

    private sealed class CountingConnection(string id) : IEngineConnection
    {
        public int Count;
        public string Id => id;
        public int ProtocolVersion => 4;
        public string TransportName => "websocket";
        public EngineHandshake Handshake => throw new NotSupportedException();
        public bool IsWritable => true;
        public object? State { get; set; }
        public CancellationToken Closed => CancellationToken.None;
        public bool Send(EngineMessage message)
        {
            Count++;
            return true;
        }
        public void Close(string reason)
        {
        }
        public void SetClientGeneration(bool legacy)
        {
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var io = new SocketIoServer(Options.Create(new SocketIoOptions()), NullLoggerFactory.Instance);
        _room = io.Of("/room");
        IEngineConnectionHandler handler = io;
        var connect = Encoding.UTF8.GetBytes("0/room,");
        for (var i = 0; i < Recipients; i++)
        {
            var connection = new CountingConnection("c" + i);
            handler.OnOpened(connection);
            handler.OnMessage(connection, connect, false);
        }
    }

    [Benchmark]
    public bool Broadcast() => _room.Emit("news", "the same bytes for everyone");
}
