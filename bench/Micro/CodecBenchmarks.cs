using System.Text;
using BenchmarkDotNet.Attributes;
using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Protocol;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.Micro;

/// <summary>Cost and allocations of one packet through each codec.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly byte[] _engineFrame = Encoding.UTF8.GetBytes("42/bench,[\"echo\",{\"n\":42,\"text\":\"hello from the load generator\"}]");
    private readonly byte[] _socketPacket = Encoding.UTF8.GetBytes("2/bench,[\"echo\",{\"n\":42,\"text\":\"hello from the load generator\"}]");
    private readonly byte[] _pollingPayload = Encoding.UTF8.GetBytes("42[\"a\",1]\u001e42[\"b\",2]\u001e3");
    private readonly List<InboundPacket> _packets = new(8);
    private readonly JArray _args = new("echo", new JObject { ["n"] = 42, ["text"] = "hello from the load generator" });

    /// <summary>Engine.IO v4: one WebSocket text frame into a packet (the framing path).</summary>
    [Benchmark]
    public bool EngineFrame() => EngineProtocolV4.Instance.TryReadFrame(_engineFrame, false, out _);

    /// <summary>Engine.IO v4: a polling body of three packets.</summary>
    [Benchmark]
    public bool EnginePollingPayload()
    {
        _packets.Clear();
        return EngineProtocolV4.Instance.TryReadPollingPayload(_pollingPayload, "text/plain", PollingEncoding.Default, _packets);
    }

    /// <summary>Socket.IO: header and JSON of an EVENT.</summary>
    [Benchmark]
    public bool SocketParse() => SocketPacketParser.TryParse(_socketPacket, out _, out _);

    /// <summary>Socket.IO: encoding an EVENT once (what a broadcast pays once, whatever its fan-out).</summary>
    [Benchmark]
    public EngineMessage[] SocketEncode() => SocketPacketEncoder.Encode(SocketPacketType.Event, "/bench", -1, _args);
}
