using System.Text;
using SocketIoChat.EngineIo;
using SocketIoChat.EngineIo.Protocol;

namespace SocketIoChat.Tests;

/// <summary>The Engine.IO v4 codec against the examples of the specification (docs/engine.io-protocol/v4-current.md).</summary>
public sealed class EngineCodecTests
{
    private static readonly EngineProtocol V4 = EngineProtocol.FromQuery("4")!;

    private static string Show(InboundPacket p) =>
        p.IsBinary ? $"{p.Type}:bin:{Convert.ToHexString(p.Data.Span)}" : $"{p.Type}:{Encoding.UTF8.GetString(p.Data.Span)}";

    [TestCase("4hello", new[] { "Message:hello" })]
    [TestCase("4hello\u001e2\u001e4world", new[] { "Message:hello", "Ping:", "Message:world" })]
    [TestCase("4hello\u001ebAQIDBA==", new[] { "Message:hello", "Message:bin:01020304" })]
    [TestCase("2probe", new[] { "Ping:probe" })]
    [TestCase("4€", new[] { "Message:€" })]
    [TestCase("4", new[] { "Message:" })]
    [TestCase("1", new[] { "Close:" })]
    public void A_polling_payload_from_the_spec_decodes_into_its_packets(string payload, string[] expected)
    {
        var packets = new List<InboundPacket>();
        Assert.That(V4.TryReadPollingPayload(Encoding.UTF8.GetBytes(payload), "text/plain;charset=UTF-8", PollingEncoding.Default, packets), Is.True);
        Assert.That(packets.Select(Show), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("7")]
    [TestCase("4hello\u001e")]
    [TestCase("\u001e4hello")]
    [TestCase("b!!!")]
    [TestCase("4a\u001e\u001e4b")]
    public void An_invalid_polling_payload_is_refused(string payload)
    {
        Assert.That(V4.TryReadPollingPayload(Encoding.UTF8.GetBytes(payload), "text/plain;charset=UTF-8", PollingEncoding.Default, []), Is.False);
    }

    [Test]
    public void Packets_are_encoded_into_a_payload_joined_by_the_record_separator()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        V4.WritePollingPayload(output,
        [
            EngineMessage.Text(EnginePacketType.Message, "hello"u8),
            EngineMessage.Binary(new byte[] { 1, 2, 3, 4 }),
            EngineMessage.Text(EnginePacketType.Ping, ""u8),
        ], PollingEncoding.Default);
        Assert.That(Encoding.UTF8.GetString(output.WrittenSpan), Is.EqualTo("4hello\u001ebAQIDBA==\u001e2"));
    }

    [Test]
    public void A_websocket_frame_carries_a_text_packet_with_its_type_digit_and_binary_as_is()
    {
        Assert.That(Encoding.UTF8.GetString(V4.WebSocketFrame(EngineMessage.Text(EnginePacketType.Message, "hello"u8), PollingEncoding.Default).Data.Span), Is.EqualTo("4hello"));
        Assert.That(V4.WebSocketFrame(EngineMessage.Binary(new byte[] { 1, 2, 3, 4 }), PollingEncoding.Default).Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(V4.TryReadFrame(new byte[] { 1, 2, 3, 4 }, true, out var binary), Is.True);
        Assert.That(Show(binary), Is.EqualTo("Message:bin:01020304"));
        Assert.That(V4.TryReadFrame("4hello"u8.ToArray(), false, out var text), Is.True);
        Assert.That(Show(text), Is.EqualTo("Message:hello"));
        Assert.That(V4.TryReadFrame("x"u8.ToArray(), false, out _), Is.False);
    }

    [Test]
    public void The_base64_form_of_a_broadcast_binary_packet_is_computed_once()
    {
        var message = EngineMessage.Binary(new byte[] { 1, 2, 3, 4 });
        var first = message.Base64Record();
        var second = message.Base64Record();
        Assert.That(Encoding.ASCII.GetString(first), Is.EqualTo("bAQIDBA=="));
        Assert.That(first == second, Is.True, "the same span (same array) is returned to every recipient");
    }
}
