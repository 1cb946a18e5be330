using System.Text;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.Tests;

/// <summary>The Socket.IO v5 codec against the examples of the specification (docs/socket.io-protocol/v5-current.md).</summary>
public sealed class SocketPacketCodecTests
{
    private static SocketPacket Parse(string text)
    {
        Assert.That(SocketPacketParser.TryParse(Encoding.UTF8.GetBytes(text), out var packet, out var error), Is.True, error);
        return packet;
    }

    [TestCase("0", SocketPacketType.Connect, "/", -1, null)]
    [TestCase("0/admin,{\"token\":\"123\"}", SocketPacketType.Connect, "/admin", -1, "{\"token\":\"123\"}")]
    [TestCase("0/custom", SocketPacketType.Connect, "/custom", -1, null)]
    [TestCase("1", SocketPacketType.Disconnect, "/", -1, null)]
    [TestCase("1/admin,", SocketPacketType.Disconnect, "/admin", -1, null)]
    [TestCase("2[\"foo\"]", SocketPacketType.Event, "/", -1, "[\"foo\"]")]
    [TestCase("2/admin,[\"bar\"]", SocketPacketType.Event, "/admin", -1, "[\"bar\"]")]
    [TestCase("212[\"foo\"]", SocketPacketType.Event, "/", 12, "[\"foo\"]")]
    [TestCase("3/admin,13[\"bar\"]", SocketPacketType.Ack, "/admin", 13, "[\"bar\"]")]
    [TestCase("2[42,\"x\"]", SocketPacketType.Event, "/", -1, "[42,\"x\"]")]
    [TestCase("2[\"中文 😀\"]", SocketPacketType.Event, "/", -1, "[\"中文 😀\"]")]
    public void A_text_packet_from_the_spec_is_parsed(string text, SocketPacketType type, string nsp, long id, string? json)
    {
        var packet = Parse(text);
        Assert.That(packet.Type, Is.EqualTo(type));
        Assert.That(packet.Namespace, Is.EqualTo(nsp));
        Assert.That(packet.Id, Is.EqualTo(id));
        Assert.That(packet.Data?.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo(json));
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("7[\"x\"]")]
    [TestCase("2{}")]
    [TestCase("2[]")]
    [TestCase("2abc[\"x\"]")]
    [TestCase("2[{}]")]
    [TestCase("2[\"disconnect\"]")]
    [TestCase("2[\"x\"]garbage")]
    [TestCase("0[1]")]
    [TestCase("1[\"x\"]")]
    [TestCase("3{}")]
    [TestCase("5[\"x\"]")]
    [TestCase("5x-[\"x\"]")]
    [TestCase("51001-[\"x\"]")]
    [TestCase("299999999999999999999[\"x\"]")]
    public void A_malformed_packet_is_refused(string text)
    {
        Assert.That(SocketPacketParser.TryParse(Encoding.UTF8.GetBytes(text), out _, out _), Is.False);
    }

    [Test]
    public void A_binary_event_waits_for_its_attachments_then_puts_them_in_place()
    {
        var decoder = new SocketPacketDecoder(10, 1_000_000);
        Assert.That(decoder.Decode("52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":1},{\"a\":[{\"_placeholder\":true,\"num\":0}]}]"u8, false, out _, out _),
            Is.EqualTo(SocketPacketDecoder.Result.NeedMore));
        Assert.That(decoder.Decode(new byte[] { 1 }, true, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.NeedMore));
        Assert.That(decoder.Decode(new byte[] { 2, 3 }, true, out var packet, out var error), Is.EqualTo(SocketPacketDecoder.Result.Packet), error);
        var data = (JArray)packet!.Data!;
        Assert.That(packet.Namespace, Is.EqualTo("/admin"));
        Assert.That((byte[])data[1]!, Is.EqualTo(new byte[] { 2, 3 }));
        Assert.That((byte[])data[2]!["a"]![0]!, Is.EqualTo(new byte[] { 1 }));
    }

    [Test]
    public void Attachments_that_do_not_match_the_placeholders_are_refused()
    {
        var decoder = new SocketPacketDecoder(10, 1_000_000);
        decoder.Decode("51-[\"baz\",{\"_placeholder\":true,\"num\":3}]"u8, false, out _, out _);
        Assert.That(decoder.Decode(new byte[] { 1 }, true, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.Error));
        Assert.That(new SocketPacketDecoder(10, 1_000_000).Decode(new byte[] { 1 }, true, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.Error),
            "an attachment nobody announced");
        var waiting = new SocketPacketDecoder(10, 1_000_000);
        waiting.Decode("51-[\"baz\",{\"_placeholder\":true,\"num\":0}]"u8, false, out _, out _);
        Assert.That(waiting.Decode("2[\"x\"]"u8, false, out _, out _), Is.EqualTo(SocketPacketDecoder.Result.Error),
            "a text packet while attachments are awaited");
    }

    private static string[] Encode(SocketPacketType type, string nsp, long id, JToken? data) =>
        SocketPacketEncoder.Encode(type, nsp, id, data)
            .Select(m => m.IsBinary ? "<" + Convert.ToHexString(m.Frame.Span) + ">" : Encoding.UTF8.GetString(m.Frame.Span))
            .ToArray();

    [Test]
    public void Packets_are_encoded_as_in_the_spec()
    {
        Assert.That(Encode(SocketPacketType.Connect, "/", -1, new JObject { ["sid"] = "wZX3oN0bSVIhsaknAAAI" }),
            Is.EqualTo(new[] { "40{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}" }));
        Assert.That(Encode(SocketPacketType.ConnectError, "/", -1, new JObject { ["message"] = "Not authorized" }),
            Is.EqualTo(new[] { "44{\"message\":\"Not authorized\"}" }));
        Assert.That(Encode(SocketPacketType.Event, "/admin", -1, new JArray("bar")), Is.EqualTo(new[] { "42/admin,[\"bar\"]" }));
        Assert.That(Encode(SocketPacketType.Event, "/", 12, new JArray("foo")), Is.EqualTo(new[] { "4212[\"foo\"]" }));
        Assert.That(Encode(SocketPacketType.Ack, "/admin", 13, new JArray("bar")), Is.EqualTo(new[] { "43/admin,13[\"bar\"]" }));
        Assert.That(Encode(SocketPacketType.Disconnect, "/admin", -1, null), Is.EqualTo(new[] { "41/admin," }));
    }

    [Test]
    public void Binary_anywhere_in_the_arguments_becomes_numbered_attachments()
    {
        var data = new JArray("baz", new JValue(new byte[] { 1, 2 }), new JObject { ["deep"] = new JArray(new JValue(new byte[] { 3 })) });
        Assert.That(Encode(SocketPacketType.Event, "/admin", -1, data), Is.EqualTo(new[]
        {
            "452-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"deep\":[{\"_placeholder\":true,\"num\":1}]}]",
            "<0102>",
            "<03>",
        }));
        Assert.That(Encode(SocketPacketType.Ack, "/", 15, new JArray("bar", new JValue(new byte[] { 9 }))),
            Is.EqualTo(new[] { "461-15[\"bar\",{\"_placeholder\":true,\"num\":0}]", "<09>" }));
    }

    [Test]
    public void Encoding_then_decoding_gives_back_the_same_packet()
    {
        var data = new JArray("event", 1, 2.5, "中文 😀", true, JValue.CreateNull(), new JObject { ["k"] = new JValue(new byte[] { 7, 8 }) });
        var messages = SocketPacketEncoder.Encode(SocketPacketType.Event, "/x", 7, data);
        var decoder = new SocketPacketDecoder(10, 1_000_000);
        SocketPacket? packet = null;
        foreach (var message in messages)
        {
            // The engine strips its own type digit from text frames before the Socket.IO layer sees them.
            var body = message.IsBinary ? message.Frame.Span : message.Frame.Span[1..];
            decoder.Decode(body, message.IsBinary, out packet, out _);
        }
        Assert.That(packet, Is.Not.Null);
        Assert.That(packet!.Type, Is.EqualTo(SocketPacketType.BinaryEvent));
        Assert.That(packet.Id, Is.EqualTo(7));
        Assert.That(JToken.DeepEquals(packet.Data, data), Is.True, packet.Data!.ToString());
    }
}
