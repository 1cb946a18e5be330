using System.Buffers;
using System.Numerics;
using System.Text;
using Newtonsoft.Json.Linq;
using SocketIoChat.Redis.Protocol;

namespace SocketIoChat.Tests;

/// <summary>
/// The Redis adapter's wire codec against messages captured from Node's <c>@socket.io/redis-adapter</c> 8.3.0 and
/// <c>@socket.io/redis-emitter</c> 5.1.0 (docs: shared REDIS-NOTES §2, §5, §7) and against notepack.io 3.0.1.
/// </summary>
public sealed class RedisWireCodecTests
{
    // ------------------------------------------------------------------ helpers

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    private static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return ToHex(output.WrittenSpan);
    }

    private static string WriteJson(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Json(JToken? token) => token?.ToString(Newtonsoft.Json.Formatting.None) ?? "<null>";

    private static RemoteBroadcastOptions Rooms(params string[] rooms) => new(rooms, []);

    // ------------------------------------------------------------------ captured classic broadcast

    /// <summary>REDIS-NOTES §2.3 [captured]: <c>io.to("room1").emit("e2","x")</c> on <c>socket.io#/#room1#</c>.</summary>
    private const string CapturedRoomBroadcast =
        "93a6565a6546353683a47479706502a46461746192a26532a178a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677380";

    [Test]
    public void The_captured_room_broadcast_decodes()
    {
        var message = ClassicMessages.DecodeBroadcast(Hex(CapturedRoomBroadcast));
        Assert.That(message.Uid, Is.EqualTo("VZeF56"));
        Assert.That(message.IsFromEmitter, Is.False);
        Assert.That(message.Packet.Nsp, Is.EqualTo("/"));
        Assert.That(message.Packet.Type, Is.EqualTo(2));
        Assert.That(message.Packet.Id, Is.Null);
        Assert.That(message.Packet.EventName, Is.EqualTo("e2"));
        Assert.That(Json(message.Packet.Data), Is.EqualTo("[\"e2\",\"x\"]"));
        Assert.That(message.Packet.Args().Select(a => (string?)a), Is.EqualTo(new[] { "x" }));
        Assert.That(message.Options.Rooms, Is.EqualTo(new[] { "room1" }));
        Assert.That(message.Options.Except, Is.Empty);
        Assert.That(message.Options.Flags.IsEmpty, Is.True);
    }

    [Test]
    public void Our_encoding_of_the_captured_room_broadcast_is_byte_identical()
    {
        Assert.That(Write(o => ClassicMessages.WriteBroadcast(o, "VZeF56", "/", "e2", ["x"], Rooms("room1"))),
            Is.EqualTo(CapturedRoomBroadcast));
        var decoded = ClassicMessages.DecodeBroadcast(Hex(CapturedRoomBroadcast));
        Assert.That(Write(o => ClassicMessages.WriteBroadcast(o, decoded.Uid, decoded.Packet, decoded.Options)),
            Is.EqualTo(CapturedRoomBroadcast), "relaying a decoded broadcast");
    }

    // ------------------------------------------------------------------ messages encoded by notepack.io 3.0.1

    // The hex constants below were produced by notepack.io 3.0.1's encode() (Node 20) from the JS values in the comments.

    /// <summary><c>["emitter",{type:2,data:["m1",1,Buffer[2]],nsp:"/"},{rooms:[],flags:{},except:[]}]</c> — the emitter's key order.</summary>
    private const string NotepackEmitterBroadcast =
        "93a7656d697474657283a47479706502a46461746193a26d3101c40102a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490";

    /// <summary><c>["VZeF56",{type:2,data:["hi"],nsp:"/chat"},{rooms:["3Ywh5wvRgSoS0VTlAAAB"],except:[],flags:{expectSingleResponse:true,timeout:500}}]</c>.</summary>
    private const string NotepackRemoteSocketBroadcast =
        "93a6565a6546353683a47479706502a46461746191a26869a36e7370a52f6368617483a5726f6f6d7391b4335977683577765267536f533056546c41414142" +
        "a665786365707490a5666c61677382b465787065637453696e676c65526573706f6e7365c3a774696d656f7574cd01f4";

    /// <summary><c>{uid:"VZeF56",requestId:"1-O2m-",type:7,packet:{type:2,data:["ack1","q"],nsp:"/"},opts:{rooms:[],except:[],flags:{timeout:500}}}</c> (REDIS-NOTES §2.5).</summary>
    private const string NotepackBroadcastRequest =
        "85a3756964a6565a65463536a9726571756573744964a6312d4f326d2da47479706507a67061636b657483a47479706502a46461746192a461636b31a171" +
        "a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd01f4";

    /// <summary><c>{type:9,requestId:"1-O2m-",packet:Buffer[9]}</c>.</summary>
    private const string NotepackBinaryAck = "83a47479706509a9726571756573744964a6312d4f326d2da67061636b6574c40109";

    /// <summary><c>{type:9,requestId:"1-O2m-",packet:undefined}</c>: notepack leaves the key out.</summary>
    private const string NotepackAckWithoutArgument = "82a47479706509a9726571756573744964a6312d4f326d2d";

    [Test]
    public void The_emitters_broadcast_decodes_whatever_the_key_order()
    {
        var message = ClassicMessages.DecodeBroadcast(Hex(NotepackEmitterBroadcast));
        Assert.That(message.Uid, Is.EqualTo("emitter"));
        Assert.That(message.IsFromEmitter, Is.True);
        Assert.That(message.Packet.EventName, Is.EqualTo("m1"));
        var args = message.Packet.Args();
        Assert.That(args, Has.Length.EqualTo(2));
        Assert.That(args[0].Type, Is.EqualTo(JTokenType.Integer));
        Assert.That((long)args[0], Is.EqualTo(1));
        Assert.That(args[1].Type, Is.EqualTo(JTokenType.Bytes), "bin arrives as a byte[] value (a socket.io attachment)");
        Assert.That((byte[]?)args[1], Is.EqualTo(new byte[] { 2 }));
        Assert.That(message.Options.Rooms, Is.Empty);
        Assert.That(message.Options.Except, Is.Empty);
        Assert.That(message.Options.Flags, Is.EqualTo(RemoteBroadcastFlags.None));
    }

    [Test]
    public void A_remote_socket_emit_with_flags_decodes_and_encodes_byte_identically()
    {
        var message = ClassicMessages.DecodeBroadcast(Hex(NotepackRemoteSocketBroadcast));
        Assert.That(message.Packet.Nsp, Is.EqualTo("/chat"));
        Assert.That(message.Options.Rooms, Is.EqualTo(new[] { "3Ywh5wvRgSoS0VTlAAAB" }));
        Assert.That(message.Options.Flags.ExpectSingleResponse, Is.True);
        Assert.That(message.Options.Flags.Timeout, Is.EqualTo(500));
        Assert.That(message.Options.Flags.Volatile, Is.Null);

        var options = new RemoteBroadcastOptions(["3Ywh5wvRgSoS0VTlAAAB"], [],
            new RemoteBroadcastFlags { ExpectSingleResponse = true, Timeout = 500 });
        Assert.That(Write(o => ClassicMessages.WriteBroadcast(o, "VZeF56", "/chat", "hi", [], options)), Is.EqualTo(NotepackRemoteSocketBroadcast));
    }

    [Test]
    public void A_broadcast_request_with_acks_is_a_msgpack_map()
    {
        var request = (BroadcastRequest)ClassicMessages.DecodeRequest(Hex(NotepackBroadcastRequest));
        Assert.That(request.Type, Is.EqualTo(RequestType.Broadcast));
        Assert.That(request.Uid, Is.EqualTo("VZeF56"));
        Assert.That(request.RequestId, Is.EqualTo("1-O2m-"));
        Assert.That(request.Packet.Nsp, Is.EqualTo("/"));
        Assert.That(Json(request.Packet.Data), Is.EqualTo("[\"ack1\",\"q\"]"));
        Assert.That(request.Options.Rooms, Is.Empty);
        Assert.That(request.Options.Flags.Timeout, Is.EqualTo(500));

        var options = new RemoteBroadcastOptions([], [], new RemoteBroadcastFlags { Timeout = 500 });
        Assert.That(Write(o => ClassicMessages.WriteBroadcastRequest(o, "VZeF56", "1-O2m-", "/", "ack1", ["q"], options)),
            Is.EqualTo(NotepackBroadcastRequest));
    }

    [Test]
    public void A_broadcast_ack_is_a_msgpack_map_and_binary_stays_binary()
    {
        var binary = (BroadcastAckResponse)ClassicMessages.DecodeResponse(Hex(NotepackBinaryAck));
        Assert.That(binary.RequestId, Is.EqualTo("1-O2m-"));
        Assert.That(binary.Packet!.Type, Is.EqualTo(JTokenType.Bytes));
        Assert.That((byte[]?)binary.Packet, Is.EqualTo(new byte[] { 9 }));
        Assert.That(Write(o => ClassicMessages.WriteBroadcastAckResponse(o, "1-O2m-", [new byte[] { 9 }])), Is.EqualTo(NotepackBinaryAck));

        var empty = (BroadcastAckResponse)ClassicMessages.DecodeResponse(Hex(NotepackAckWithoutArgument));
        Assert.That(empty.Packet, Is.Null);
        Assert.That(Write(o => ClassicMessages.WriteBroadcastAckResponse(o, "1-O2m-", [])), Is.EqualTo(NotepackAckWithoutArgument));

        // The captured text ack: 83 a4"type" 09 a9"requestId" a6"1-O2m-" a6"packet" b7"ok-3Ywh…"
        var text = (BroadcastAckResponse)ClassicMessages.DecodeResponse(
            Hex(Write(o => ClassicMessages.WriteBroadcastAckResponse(o, "1-O2m-", ["ok-3Ywh5wvRgSoS0VTlAAAB"]))));
        Assert.That((string?)text.Packet, Is.EqualTo("ok-3Ywh5wvRgSoS0VTlAAAB"));
    }

    /// <summary>
    /// Our encoding of a broadcast with mixed arguments. notepack.io 3.0.1's decode() read it as
    /// <c>["netUID",{type:2,data:["fromdotnet",42,&lt;Buffer 07 08&gt;,1.5,-300,"1970-01-01T00:00:00.000Z",null,"00000000-0000-0000-0000-000000000000"],nsp:"/"},
    /// {rooms:["r1"],except:["s"],flags:{volatile:true,timeout:500}}]</c>, and its encode() of that value gave these same bytes.
    /// </summary>
    private const string OurMixedBroadcast =
        "93a66e657455494483a47479706502a46461746198aa66726f6d646f746e65742ac4020708cb3ff8000000000000d1fed4b8313937302d30312d3031" +
        "5430303a30303a30302e3030305ac0d92430303030303030302d303030302d303030302d303030302d303030303030303030303030a36e7370a12f83a5" +
        "726f6f6d7391a27231a665786365707491a173a5666c61677382a8766f6c6174696c65c3a774696d656f7574cd01f4";

    [Test]
    public void A_broadcast_with_mixed_arguments_is_what_notepack_reads_and_writes()
    {
        var options = new RemoteBroadcastOptions(["r1", "r1"], ["s"], new RemoteBroadcastFlags { Volatile = true, Timeout = 500 });
        Assert.That(Write(o => ClassicMessages.WriteBroadcast(o, "netUID", "/", "fromdotnet",
            [42, new byte[] { 7, 8 }, 1.5, -300, DateTime.UnixEpoch, null, Guid.Empty], options)), Is.EqualTo(OurMixedBroadcast));
        var decoded = ClassicMessages.DecodeBroadcast(Hex(OurMixedBroadcast));
        Assert.That(decoded.Options.Flags, Is.EqualTo(new RemoteBroadcastFlags { Volatile = true, Timeout = 500 }));
        Assert.That(decoded.Packet.Data[2]!.Type, Is.EqualTo(JTokenType.Bytes));
    }

    /// <summary>(name, notepack hex, the token our decoder must produce, whether our encoder writes the same bytes back).</summary>
    private static IEnumerable<TestCaseData> NotepackValues()
    {
        TestCaseData Case(string name, string hex, JToken expected, bool sameBytes = true) =>
            new TestCaseData(hex, expected, sameBytes).SetName("Notepack value " + name);

        // ints of each width (notepack: the smallest encoding; uint for >= 0, int for < 0)
        yield return Case("0", "00", 0L);
        yield return Case("1", "01", 1L);
        yield return Case("127", "7f", 127L);
        yield return Case("128", "cc80", 128L);
        yield return Case("255", "ccff", 255L);
        yield return Case("256", "cd0100", 256L);
        yield return Case("65535", "cdffff", 65535L);
        yield return Case("65536", "ce00010000", 65536L);
        yield return Case("4294967295", "ceffffffff", 4294967295L);
        yield return Case("4294967296", "cf0000000100000000", 4294967296L);
        yield return Case("2^53-1", "cf001fffffffffffff", 9007199254740991L);
        yield return Case("2^60", "cf1000000000000000", 1L << 60);
        yield return Case("-1", "ff", -1L);
        yield return Case("-32", "e0", -32L);
        yield return Case("-33", "d0df", -33L);
        yield return Case("-128", "d080", -128L);
        yield return Case("-129", "d1ff7f", -129L);
        yield return Case("-32768", "d18000", -32768L);
        yield return Case("-32769", "d2ffff7fff", -32769L);
        yield return Case("-2147483648", "d280000000", -2147483648L);
        yield return Case("-2147483649", "d3ffffffff7fffffff", -2147483649L);
        yield return Case("-(2^53-1)", "d3ffe0000000000001", -9007199254740991L);
        yield return Case("-(2^60)", "d3f000000000000000", -(1L << 60));
        // uint64 above long.MaxValue: a double, the JS number notepack decodes
        yield return Case("2^63", "cf8000000000000000", 9223372036854775808.0);
        // floats: always float64; -0 is written as 0
        yield return Case("1.5", "cb3ff8000000000000", 1.5);
        yield return Case("-0.25", "cbbfd0000000000000", -0.25);
        yield return Case("0.1", "cb3fb999999999999a", 0.1);
        yield return Case("NaN", "cb7ff8000000000000", double.NaN);
        yield return Case("Infinity", "cb7ff0000000000000", double.PositiveInfinity);
        // strings: fixstr up to 31 bytes, then str8, str16
        yield return Case("''", "a0", "");
        yield return Case("31 chars", "bf" + Repeat("61", 31), new string('a', 31));
        yield return Case("32 chars", "d920" + Repeat("61", 32), new string('a', 32));
        yield return Case("255 chars", "d9ff" + Repeat("61", 255), new string('a', 255));
        yield return Case("256 chars", "da0100" + Repeat("61", 256), new string('a', 256));
        yield return Case("unicode", "a9c3a9f09f9880e4b8ad", "é😀中");
        // binary
        yield return Case("Buffer[]", "c400", new JValue(Array.Empty<byte>()));
        yield return Case("Buffer[1,2,3]", "c403010203", new JValue(new byte[] { 1, 2, 3 }));
        // null, booleans, containers
        yield return Case("null", "c0", JValue.CreateNull());
        yield return Case("true", "c3", true);
        yield return Case("false", "c2", false);
        yield return Case("{a:[1,{b:null}],c:true,d:'x'}", "83a161920181a162c0a163c3a164a178", JObject.Parse("{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":\"x\"}"));
        yield return Case("array of 16", "dc0010000102030405060708090a0b0c0d0e0f", new JArray(Enumerable.Range(0, 16)));
        yield return Case("map of 16",
            "de0010a26b3000a26b3101a26b3202a26b3303a26b3404a26b3505a26b3606a26b3707a26b3808a26b3909a26b610aa26b620ba26b630ca26b640da26b650ea26b660f",
            new JObject(Enumerable.Range(0, 16).Select(i => new JProperty("k" + i.ToString("x"), i))));
        // Dates: timestamp ext -1 (32, 64 and 96 bits) become the ISO string Node would send its clients
        // (Date.prototype.toISOString in Node 20 for the same values).
        yield return Case("Date(0)", "d6ff00000000", "1970-01-01T00:00:00.000Z", sameBytes: false);
        yield return Case("Date(1700000000123)", "d7ff1d5353006553f100", "2023-11-14T22:13:20.123Z", sameBytes: false);
        yield return Case("Date(-1)", "c70cff3b8b87c0ffffffffffffffff", "1969-12-31T23:59:59.999Z", sameBytes: false);
        yield return Case("Date(2^34 s)", "c70cff000000000000000400000000", "2514-05-30T01:53:04.000Z", sameBytes: false);
        yield return Case("Date(4294967295000)", "d6ffffffffff", "2106-02-07T06:28:15.000Z", sameBytes: false);
        yield return Case("Date(8.64e15)", "c70cff00000000000007dba8218000", "+275760-09-13T00:00:00.000Z", sameBytes: false);
        yield return Case("Date(-8.64e15)", "c70cff00000000fffff82457de8000", "-271821-04-20T00:00:00.000Z", sameBytes: false);
    }

    private static string Repeat(string hex, int count) => string.Concat(Enumerable.Repeat(hex, count));

    [TestCaseSource(nameof(NotepackValues))]
    public void A_notepack_value_decodes_and_encodes_back(string hex, JToken expected, bool sameBytes)
    {
        var decoded = MsgPackTokens.Decode(Hex(hex));
        Assert.That(decoded.Type, Is.EqualTo(expected.Type), "token type");
        if (expected is JValue { Value: double number })
        {
            Assert.That(((JValue)decoded).Value, Is.EqualTo(number));
        }
        else
        {
            Assert.That(JToken.DeepEquals(decoded, expected), Is.True, $"{Json(decoded)} != {Json(expected)}");
        }
        if (sameBytes)
        {
            Assert.That(ToHex(MsgPackTokens.Encode(expected)), Is.EqualTo(hex), "our encoding of the same value");
        }
    }

    [Test]
    public void A_js_object_key_holding_undefined_is_left_out_as_notepack_does()
    {
        // {a: undefined, b: 1} encoded by notepack.io 3.0.1
        const string notepack = "81a16201";
        var token = new JObject { ["a"] = JValue.CreateUndefined(), ["b"] = 1 };
        Assert.That(ToHex(MsgPackTokens.Encode(token)), Is.EqualTo(notepack));
        Assert.That(ToHex(MsgPackTokens.Encode(new JArray(JValue.CreateUndefined()))), Is.EqualTo("91c0"), "in an array: nil");
        // null is a value and stays
        Assert.That(ToHex(MsgPackTokens.Encode(new JObject { ["a"] = null })), Is.EqualTo("81a161c0"));
    }

    [Test]
    public void Integers_of_every_clr_type_use_the_smallest_encoding()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(200))), Is.EqualTo("ccc8"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(200UL))), Is.EqualTo("ccc8"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(ulong.MaxValue))), Is.EqualTo("cfffffffffffffffff"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(long.MaxValue))), Is.EqualTo("cf7fffffffffffffff"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(long.MinValue))), Is.EqualTo("d38000000000000000"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(new BigInteger(65536)))), Is.EqualTo("ce00010000"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(2.0))), Is.EqualTo("02"), "an integer-valued double is an int, as in JS");
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(-0.0))), Is.EqualTo("00"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(-300.0))), Is.EqualTo("d1fed4"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(4294967296.0))), Is.EqualTo("cf0000000100000000"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(5m))), Is.EqualTo("05"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(1.5m))), Is.EqualTo("cb3ff8000000000000"));
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(1.5f))), Is.EqualTo("cb3ff8000000000000"), "never float32");
            // notepack corrupts integer-valued numbers of 2^64 and more (1e300 -> cf 00…00); we keep them as float64
            Assert.That(ToHex(MsgPackTokens.Encode(new JValue(1e300))), Is.EqualTo("cb7e37e43c8800759c"));
        });
    }

    [Test]
    public void Other_msgpack_forms_decode_like_notepack()
    {
        Assert.Multiple(() =>
        {
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("ca3fc00000"))).Value, Is.EqualTo(1.5), "float32");
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("cfffffffffffffffff"))).Value, Is.EqualTo(18446744073709551615.0), "uint64 max");
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("cf7fffffffffffffff"))).Value, Is.EqualTo(long.MaxValue));
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("cc05"))).Value, Is.TypeOf<long>(), "every int width becomes a long");
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("d0ff"))).Value, Is.EqualTo(-1L));
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("c50003010203"))).Value, Is.EqualTo(new byte[] { 1, 2, 3 }), "bin16");
            Assert.That((string?)MsgPackTokens.Decode(Hex("da0001" + "61")), Is.EqualTo("a"), "str16 not minimal");
            // notepack 2.x legacy forms: d7 00 = int64 ms Date; c7 xx 00 = ArrayBuffer; d4 00 00 = undefined
            Assert.That((string?)MsgPackTokens.Decode(Hex("d700000001" + "8bcfe56800")), Is.EqualTo("2023-11-14T22:13:20.000Z"));
            Assert.That(((JValue)MsgPackTokens.Decode(Hex("c70300010203"))).Value, Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(MsgPackTokens.Decode(Hex("d40000")).Type, Is.EqualTo(JTokenType.Null));
            // other extensions: null, and the rest of the message still reads
            Assert.That(Json(MsgPackTokens.Decode(Hex("93d40501c7020701020c"))), Is.EqualTo("[null,null,12]"));
            // map keys are JS property names
            Assert.That(Json(MsgPackTokens.Decode(Hex("8301a1610ba162c0a163"))), Is.EqualTo("{\"1\":\"a\",\"11\":\"b\",\"null\":\"c\"}"));
            Assert.That(Json(MsgPackTokens.Decode(Hex("82a16101a16102"))), Is.EqualTo("{\"a\":2}"), "a later duplicate key wins");
        });
    }

    [Test]
    public void Dates_and_other_clr_values_are_written_as_node_would_send_them()
    {
        var date = new DateTime(2023, 11, 14, 22, 13, 20, 123, DateTimeKind.Utc).AddTicks(4567);
        Assert.That(MsgPackTokens.Decode(MsgPackTokens.Encode(new JValue(date))).ToString(), Is.EqualTo("2023-11-14T22:13:20.123Z"));
        var offset = new DateTimeOffset(2023, 11, 14, 23, 13, 20, 123, TimeSpan.FromHours(1));
        Assert.That(MsgPackTokens.Decode(MsgPackTokens.Encode(new JValue(offset))).ToString(), Is.EqualTo("2023-11-14T22:13:20.123Z"));
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.That((string?)MsgPackTokens.Decode(MsgPackTokens.Encode(new JValue(guid))), Is.EqualTo("0f8fad5b-d9cb-469f-a165-70867728950e"));
        Assert.That((string?)MsgPackTokens.Decode(MsgPackTokens.Encode(new JValue(new Uri("http://x/a b", UriKind.Absolute)))), Is.EqualTo("http://x/a b"));
        Assert.That((string?)MsgPackTokens.Decode(MsgPackTokens.Encode(new JValue(TimeSpan.FromSeconds(90)))), Is.EqualTo("00:01:30"));
    }

    private sealed class Poco
    {
        public string Name { get; set; } = "n";
        public byte[] Blob { get; set; } = [7, 8];
        public DateTime When { get; set; } = new(2000, 2, 29, 0, 0, 0, DateTimeKind.Utc);
    }

    [Test]
    public void Emit_arguments_of_any_clr_type_are_written()
    {
        object?[] args =
        [
            null, "s", true, 42, 42L, (byte)7, 1.5, 2.0f, 3m, ulong.MaxValue,
            new byte[] { 1 }, new ReadOnlyMemory<byte>([2, 3]), new Memory<byte>([4]), new ArraySegment<byte>([0, 5, 0], 1, 1),
            new JArray(1, "x"), new Poco(), new[] { new byte[] { 9 } }, Guid.Empty,
            new DateTime(2000, 2, 29, 0, 0, 0, DateTimeKind.Utc),
        ];
        var hex = Write(o => ClassicMessages.WriteBroadcast(o, "u", "/", "ev", args, RemoteBroadcastOptions.All));
        var packet = ClassicMessages.DecodeBroadcast(Hex(hex)).Packet;
        var a = packet.Args();
        Assert.That(a, Has.Length.EqualTo(args.Length));
        Assert.Multiple(() =>
        {
            Assert.That(a[0].Type, Is.EqualTo(JTokenType.Null));
            Assert.That((string?)a[1], Is.EqualTo("s"));
            Assert.That((bool)a[2], Is.True);
            Assert.That((long)a[3], Is.EqualTo(42));
            Assert.That((long)a[4], Is.EqualTo(42));
            Assert.That((long)a[5], Is.EqualTo(7));
            Assert.That((double)a[6], Is.EqualTo(1.5));
            Assert.That(a[7].Type, Is.EqualTo(JTokenType.Integer), "2.0f is an integer-valued JS number");
            Assert.That((long)a[8], Is.EqualTo(3));
            Assert.That((double)a[9], Is.EqualTo(18446744073709551615.0));
            Assert.That((byte[]?)a[10], Is.EqualTo(new byte[] { 1 }));
            Assert.That((byte[]?)a[11], Is.EqualTo(new byte[] { 2, 3 }));
            Assert.That((byte[]?)a[12], Is.EqualTo(new byte[] { 4 }));
            Assert.That((byte[]?)a[13], Is.EqualTo(new byte[] { 5 }));
            Assert.That(Json(a[14]), Is.EqualTo("[1,\"x\"]"));
            // Without a server's serializer (the emitter): the library's default JSON settings, camelCase.
            Assert.That(a[15]["name"]!.ToString(), Is.EqualTo("n"));
            Assert.That(a[15]["blob"]!.Type, Is.EqualTo(JTokenType.Bytes), "a POCO's byte[] stays binary");
            Assert.That((string?)a[15]["when"], Is.EqualTo("2000-02-29T00:00:00.000Z"));
            Assert.That(a[16][0]!.Type, Is.EqualTo(JTokenType.Bytes));
            Assert.That((string?)a[17], Is.EqualTo("00000000-0000-0000-0000-000000000000"));
            Assert.That((string?)a[18], Is.EqualTo("2000-02-29T00:00:00.000Z"));
        });
    }

    // ------------------------------------------------------------------ malformed input

    [Test]
    public void Trailing_bytes_are_an_error()
    {
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("c0c0")));
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(Hex(CapturedRoomBroadcast + "00")));
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeRequest(Utf8("{\"type\":1}x")));
    }

    [Test]
    public void Every_truncation_of_a_message_is_a_format_error()
    {
        var full = Hex(CapturedRoomBroadcast);
        for (var length = 0; length < full.Length; length++)
        {
            var prefix = full.AsMemory(0, length);
            Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(prefix), $"{length} bytes");
        }
        var json = Utf8("{\"uid\":\"VZeF56\",\"requestId\":\"pq_BTw\",\"type\":1}");
        for (var length = 0; length < json.Length; length++)
        {
            var prefix = json.AsMemory(0, length);
            Assert.Throws<FormatException>(() => ClassicMessages.DecodeRequest(prefix), $"{length} bytes");
        }
    }

    [Test]
    public void Garbage_only_ever_throws_format_errors()
    {
        var random = new Random(1234);
        byte[][] seeds =
        [
            Hex(CapturedRoomBroadcast), Hex(NotepackBroadcastRequest), Hex(NotepackEmitterBroadcast), Hex(NotepackBinaryAck),
            Utf8("{\"uid\":\"VZeF56\",\"type\":2,\"opts\":{\"rooms\":[\"room1\"],\"except\":[]},\"rooms\":[\"j1\",\"j2\"]}"),
            Utf8("{\"requestId\":\"SRO9hz\",\"sockets\":[{\"id\":\"x\",\"handshake\":{},\"rooms\":[\"x\"],\"data\":{}}]}"),
            Utf8("[\"u\",{\"type\":2,\"data\":[\"ev\",[3]],\"nsp\":\"/\"},{\"rooms\":[],\"except\":[],\"flags\":{\"timeout\":1}}]"),
        ];
        for (var i = 0; i < 5000; i++)
        {
            byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.Next(0, 40)];
                random.NextBytes(bytes);
            }
            else
            {
                bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
                for (var m = random.Next(1, 4); m > 0; m--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }
            foreach (var decode in new Action<ReadOnlyMemory<byte>>[]
                     {
                         m => ClassicMessages.DecodeBroadcast(m), m => ClassicMessages.DecodeRequest(m),
                         m =>
                         {
                             var response = ClassicMessages.DecodeResponse(m);
                             _ = (response.Rooms(), response.SocketIds(), response.FetchedSockets());
                         },
                         m => MsgPackTokens.Decode(m),
                     })
            {
                try
                {
                    decode(bytes);
                }
                catch (FormatException)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"{ToHex(bytes)}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    [Test]
    public void Nesting_is_capped_instead_of_overflowing_the_stack()
    {
        static byte[] Nested(int depth) => [.. Enumerable.Repeat((byte)0x91, depth), 0xc0];
        Assert.That(MsgPackTokens.Decode(Nested(MsgPackTokens.MaxDepth)).Type, Is.EqualTo(JTokenType.Array));
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Nested(MsgPackTokens.MaxDepth + 1)));
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Nested(1_000_000)));
        byte[] nestedMaps = [.. Enumerable.Repeat<byte>(0x81, 1_000_000).SelectMany(b => new byte[] { b, 0xa1, 0x61 }), 0xc0];
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(nestedMaps));
        Assert.Throws<FormatException>(() => NodeJson.Parse(new string('[', 100_000) + new string(']', 100_000)));

        JToken deep = new JArray();
        for (var i = 0; i < MsgPackTokens.MaxDepth; i++)
        {
            deep = new JArray(deep);
        }
        Assert.Throws<ArgumentException>(() => MsgPackTokens.Encode(deep));
        Assert.Throws<ArgumentException>(() => NodeJson.Serialize(deep));
    }

    [Test]
    public void Declared_sizes_beyond_the_message_are_format_errors()
    {
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("ddffffffff")), "array32 of 4G items");
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("dfffffffff")), "map32 of 4G entries");
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("dbffffffff61")), "str32");
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("c6ffffffff01")), "bin32");
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("c9ffffffffff")), "ext32");
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("c1")), "never-used code");
        Assert.Throws<FormatException>(() => MsgPackTokens.Decode(Hex("8191c0c0")), "array as map key");
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(ReadOnlyMemory<byte>.Empty));
    }

    // ------------------------------------------------------------------ broadcast tolerance

    [Test]
    public void A_broadcast_without_nsp_opts_or_flags_gets_nodes_defaults()
    {
        // ["u", {data:["ev"]}]
        var minimal = ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(JArray.Parse("[\"u\",{\"data\":[\"ev\"]}]")));
        Assert.That(minimal.Packet.Nsp, Is.EqualTo("/"));
        Assert.That(minimal.Packet.Type, Is.EqualTo(2));
        Assert.That(minimal.Options, Is.EqualTo(RemoteBroadcastOptions.All));

        // keys in another order, opts without flags
        var reordered = ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(JArray.Parse(
            "[\"u\",{\"nsp\":\"/chat\",\"data\":[\"ev\",1],\"type\":2,\"id\":7},{\"except\":[\"s1\",\"s1\"],\"rooms\":[\"a\",\"b\",123]}]")));
        Assert.That(reordered.Packet.Nsp, Is.EqualTo("/chat"));
        Assert.That(reordered.Packet.Id, Is.EqualTo(7));
        Assert.That(reordered.Options.Rooms, Is.EqualTo(new[] { "a", "b", "123" }), "numeric rooms as JS strings");
        Assert.That(reordered.Options.Except, Is.EqualTo(new[] { "s1", "s1" }));
        Assert.That(reordered.Options.Flags, Is.EqualTo(RemoteBroadcastFlags.None));

        // JSON-encoded broadcast, as from a Node adapter configured with a JSON parser
        var json = ClassicMessages.DecodeBroadcast(Utf8("[\"u\",{\"type\":2,\"data\":[\"ev\",[3]],\"nsp\":\"/\"},{\"rooms\":[],\"except\":[],\"flags\":{}}]"));
        Assert.That(Json(json.Packet.Data), Is.EqualTo("[\"ev\",[3]]"));

        Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(JArray.Parse("[\"u\",{\"nsp\":\"/\"}]"))), "no data");
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(JArray.Parse("[\"u\",{\"data\":[],\"nsp\":null}]"))), "nsp null: Node drops it");
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(JArray.Parse("[\"u\"]"))));
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(JObject.Parse("{\"a\":1}"))));
    }

    [Test]
    public void Every_flag_decodes_and_unknown_flags_are_kept()
    {
        var token = JArray.Parse(
            "[\"u\",{\"type\":2,\"data\":[\"ev\"],\"nsp\":\"/\"},{\"rooms\":[],\"except\":[],\"flags\":" +
            "{\"volatile\":true,\"compress\":false,\"local\":false,\"broadcast\":true,\"binary\":true,\"timeout\":1.5,\"expectSingleResponse\":true,\"future\":{\"x\":[1]}}}]");
        var flags = ClassicMessages.DecodeBroadcast(MsgPackTokens.Encode(token)).Options.Flags;
        Assert.Multiple(() =>
        {
            Assert.That(flags.Volatile, Is.True);
            Assert.That(flags.Compress, Is.False);
            Assert.That(flags.Local, Is.False);
            Assert.That(flags.Broadcast, Is.True);
            Assert.That(flags.Binary, Is.True);
            Assert.That(flags.Timeout, Is.EqualTo(2), "a fractional timeout is rounded up");
            Assert.That(flags.ExpectSingleResponse, Is.True);
            Assert.That(flags.Other!.Keys, Is.EqualTo(new[] { "future" }));
            Assert.That(Json(flags.Other["future"]), Is.EqualTo("{\"x\":[1]}"));
        });

        var hex = Write(o => ClassicMessages.WriteBroadcast(o, "u", "/", "ev", [], new RemoteBroadcastOptions([], [], flags)));
        var written = MsgPackTokens.Decode(Hex(hex))[2]!["flags"];
        Assert.That(Json(written), Is.EqualTo(
            "{\"expectSingleResponse\":true,\"volatile\":true,\"compress\":false,\"local\":false,\"broadcast\":true,\"binary\":true,\"timeout\":2,\"future\":{\"x\":[1]}}"));

        // {"volatile":true,"compress":false} [captured] keeps Node's order
        var captured = Write(o => ClassicMessages.WriteBroadcast(o, "u", "/", "ev", [],
            new RemoteBroadcastOptions([], [], new RemoteBroadcastFlags { Volatile = true, Compress = false })));
        Assert.That(Json(MsgPackTokens.Decode(Hex(captured))[2]!["flags"]), Is.EqualTo("{\"volatile\":true,\"compress\":false}"));
    }

    [Test]
    public void Rooms_and_except_are_written_once_each_like_js_sets()
    {
        var hex = Write(o => ClassicMessages.WriteBroadcast(o, "u", "/", "ev", [], new RemoteBroadcastOptions(["a", "b", "a"], ["s", "s"])));
        Assert.That(Json(MsgPackTokens.Decode(Hex(hex))[2]), Is.EqualTo("{\"rooms\":[\"a\",\"b\"],\"except\":[\"s\"],\"flags\":{}}"));
    }

    // ------------------------------------------------------------------ JSON requests and responses (REDIS-NOTES §2.4–2.6, §5)

    [Test]
    public void Captured_json_requests_are_written_byte_for_byte()
    {
        Assert.Multiple(() =>
        {
            Assert.That(WriteJson(o => ClassicMessages.WriteRemoteFetchRequest(o, "VZeF56", "SRO9hz", RemoteBroadcastOptions.All)),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"requestId\":\"SRO9hz\",\"type\":5,\"opts\":{\"rooms\":[],\"except\":[]}}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteAllRoomsRequest(o, "VZeF56", "pq_BTw")),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"requestId\":\"pq_BTw\",\"type\":1}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteServerSideEmitRequest(o, "VZeF56", null, "sse", [1, "a", new byte[] { 1 }])),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"type\":6,\"data\":[\"sse\",1,\"a\",{\"type\":\"Buffer\",\"data\":[1]}]}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteServerSideEmitRequest(o, "VZeF56", "lcXzgM", "sseack", [42])),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"requestId\":\"lcXzgM\",\"type\":6,\"data\":[\"sseack\",42]}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteRemoteRoomsRequest(o, true, "VZeF56", Rooms("room1"), ["j1", "j2"])),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"type\":2,\"opts\":{\"rooms\":[\"room1\"],\"except\":[]},\"rooms\":[\"j1\",\"j2\"]}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteRemoteRoomsRequest(o, false, "VZeF56", new RemoteBroadcastOptions([], ["room1"]), ["j3"])),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"type\":3,\"opts\":{\"rooms\":[],\"except\":[\"room1\"]},\"rooms\":[\"j3\"]}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteRemoteDisconnectRequest(o, "VZeF56", RemoteBroadcastOptions.All, false)),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"type\":4,\"opts\":{\"rooms\":[],\"except\":[]},\"close\":false}"));
            // the emitter's forms: no uid for socketsJoin/Leave/disconnectSockets, uid "emitter" for serverSideEmit
            Assert.That(WriteJson(o => ClassicMessages.WriteRemoteRoomsRequest(o, true, null, Rooms("r"), ["j"])),
                Is.EqualTo("{\"type\":2,\"opts\":{\"rooms\":[\"r\"],\"except\":[]},\"rooms\":[\"j\"]}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteRemoteDisconnectRequest(o, null, RemoteBroadcastOptions.All, true)),
                Is.EqualTo("{\"type\":4,\"opts\":{\"rooms\":[],\"except\":[]},\"close\":true}"));
            Assert.That(WriteJson(o => ClassicMessages.WriteServerSideEmitRequest(o, ClassicMessages.EmitterUid, null, "hello", ["world"])),
                Is.EqualTo("{\"uid\":\"emitter\",\"type\":6,\"data\":[\"hello\",\"world\"]}"));
            // SOCKETS, only for <= 7.x peers
            Assert.That(WriteJson(o => ClassicMessages.WriteSocketsRequest(o, "VZeF56", "abc", ["r1"])),
                Is.EqualTo("{\"uid\":\"VZeF56\",\"requestId\":\"abc\",\"type\":0,\"rooms\":[\"r1\"]}"));
        });
    }

    [Test]
    public void Captured_json_requests_decode()
    {
        var fetch = (RemoteFetchRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"requestId\":\"SRO9hz\",\"type\":5,\"opts\":{\"rooms\":[],\"except\":[]}}"));
        Assert.That((fetch.Uid, fetch.RequestId, fetch.Options.Rooms.Count, fetch.Options.Except.Count), Is.EqualTo(("VZeF56", "SRO9hz", 0, 0)));

        var allRooms = (AllRoomsRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"requestId\":\"pq_BTw\",\"type\":1}"));
        Assert.That((allRooms.Type, allRooms.RequestId), Is.EqualTo(((RequestType?)RequestType.AllRooms, "pq_BTw")));

        var sse = (ServerSideEmitRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"type\":6,\"data\":[\"sse\",1,\"a\",{\"type\":\"Buffer\",\"data\":[1]}]}"));
        Assert.That(sse.RequestId, Is.Null, "no ack wanted");
        Assert.That(sse.Data[3]!.Type, Is.EqualTo(JTokenType.Object), "a JSON Buffer stays an object, as in Node");

        var join = (RemoteRoomsRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"type\":2,\"opts\":{\"rooms\":[\"room1\"],\"except\":[]},\"rooms\":[\"j1\",\"j2\"]}"));
        Assert.That(join.IsJoin, Is.True);
        Assert.That(join.Options!.Rooms, Is.EqualTo(new[] { "room1" }));
        Assert.That(join.Rooms, Is.EqualTo(new[] { "j1", "j2" }));
        Assert.That(join.RequestId, Is.Null);

        var leave = (RemoteRoomsRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"type\":3,\"opts\":{\"rooms\":[],\"except\":[\"room1\"]},\"rooms\":[\"j3\"]}"));
        Assert.That((leave.IsJoin, leave.Type), Is.EqualTo((false, (RequestType?)RequestType.RemoteLeave)));
        Assert.That(leave.Options!.Except, Is.EqualTo(new[] { "room1" }));

        var disconnect = (RemoteDisconnectRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"type\":4,\"opts\":{\"rooms\":[],\"except\":[]},\"close\":false}"));
        Assert.That((disconnect.Close, disconnect.Options is not null), Is.EqualTo((false, true)));

        // emitter requests: no uid at all, or uid "emitter"
        var emitterJoin = ClassicMessages.DecodeRequest(Utf8("{\"type\":2,\"opts\":{\"rooms\":[],\"except\":[]},\"rooms\":[\"r\"]}"));
        Assert.That((emitterJoin.Uid, emitterJoin.IsFromEmitter), Is.EqualTo(((string?)null, true)));
        var emitterClose = (RemoteDisconnectRequest)ClassicMessages.DecodeRequest(Utf8("{\"type\":4,\"opts\":{\"rooms\":[\"r\"],\"except\":[]},\"close\":true}"));
        Assert.That(emitterClose.Close, Is.True);
        var emitterSse = ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"emitter\",\"type\":6,\"data\":[\"hello\",\"world\"]}"));
        Assert.That(emitterSse.IsFromEmitter, Is.True);

        var sockets = (SocketsRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"VZeF56\",\"requestId\":\"abc\",\"type\":0,\"rooms\":[\"r1\"]}"));
        Assert.That(sockets.Rooms, Is.EqualTo(new[] { "r1" }));
    }

    [Test]
    public void Legacy_unknown_and_odd_requests_decode_harmlessly()
    {
        var legacyJoin = (RemoteRoomsRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"x\",\"requestId\":\"abc\",\"type\":2,\"sid\":\"s1\",\"room\":\"r1\"}"));
        Assert.That((legacyJoin.Options, legacyJoin.Sid, legacyJoin.Room, legacyJoin.RequestId), Is.EqualTo(((RemoteBroadcastOptions?)null, "s1", "r1", "abc")));
        var legacyDisconnect = (RemoteDisconnectRequest)ClassicMessages.DecodeRequest(Utf8("{\"requestId\":\"abc\",\"type\":4,\"sid\":\"s1\",\"close\":1}"));
        Assert.That((legacyDisconnect.Options, legacyDisconnect.Sid, legacyDisconnect.Close), Is.EqualTo(((RemoteBroadcastOptions?)null, "s1", true)));
        Assert.That(WriteJson(o => ClassicMessages.WriteLegacyResponse(o, "abc")), Is.EqualTo("{\"requestId\":\"abc\"}"));

        var numericRooms = (RemoteRoomsRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"u\",\"type\":2,\"opts\":{\"rooms\":[123],\"except\":[]},\"rooms\":[7,1.5]}"));
        Assert.That(numericRooms.Options!.Rooms, Is.EqualTo(new[] { "123" }));
        Assert.That(numericRooms.Rooms, Is.EqualTo(new[] { "7", "1.5" }));

        var fetchWithoutOpts = (RemoteFetchRequest)ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"u\",\"requestId\":\"r\",\"type\":5}"));
        Assert.That(fetchWithoutOpts.Options, Is.EqualTo(RemoteBroadcastOptions.All));

        foreach (var json in new[] { "{\"type\":8,\"requestId\":\"r\",\"clientCount\":1}", "{\"type\":\"1\"}", "{\"type\":42}", "{}" })
        {
            Assert.That(ClassicMessages.DecodeRequest(Utf8(json)), Is.TypeOf<UnknownRequest>(), json);
        }

        // a msgpack-encoded JSON-type request (a peer with a msgpack-only parser) is read too
        var msgpackAllRooms = ClassicMessages.DecodeRequest(MsgPackTokens.Encode(JObject.Parse("{\"uid\":\"u\",\"requestId\":\"r\",\"type\":1}")));
        Assert.That(msgpackAllRooms, Is.TypeOf<AllRoomsRequest>());

        Assert.Throws<FormatException>(() => ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"u\",\"type\":6}")), "SSE without data");
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeRequest(Utf8("{\"uid\":\"u\",\"requestId\":\"r\",\"type\":7}")), "BROADCAST without packet");
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeRequest(Utf8("[1]")));
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeRequest(Utf8("{\"type\":1")));
    }

    [Test]
    public void Captured_json_responses_are_written_and_decoded()
    {
        const string allRooms = "{\"requestId\":\"pq_BTw\",\"rooms\":[\"3Ywh5wvRgSoS0VTlAAAB\",\"room1\"]}";
        Assert.That(WriteJson(o => ClassicMessages.WriteAllRoomsResponse(o, "pq_BTw", ["3Ywh5wvRgSoS0VTlAAAB", "room1"])), Is.EqualTo(allRooms));
        var rooms = (PlainResponse)ClassicMessages.DecodeResponse(Utf8(allRooms));
        Assert.That(rooms.RequestId, Is.EqualTo("pq_BTw"));
        Assert.That(rooms.Rooms(), Is.EqualTo(new[] { "3Ywh5wvRgSoS0VTlAAAB", "room1" }));
        Assert.That(rooms.FetchedSockets(), Is.Null, "a response lacking sockets");

        const string sseAck = "{\"type\":6,\"requestId\":\"lcXzgM\",\"data\":{\"from\":\"B\",\"x\":42}}";
        Assert.That(WriteJson(o => ClassicMessages.WriteServerSideEmitResponse(o, "lcXzgM", [JObject.Parse("{\"from\":\"B\",\"x\":42}")])), Is.EqualTo(sseAck));
        var sse = (ServerSideEmitResponse)ClassicMessages.DecodeResponse(Utf8(sseAck));
        Assert.That(Json(sse.Data), Is.EqualTo("{\"from\":\"B\",\"x\":42}"));
        Assert.That(WriteJson(o => ClassicMessages.WriteServerSideEmitResponse(o, "r", [])), Is.EqualTo("{\"type\":6,\"requestId\":\"r\"}"), "ack without argument");
        Assert.That(((ServerSideEmitResponse)ClassicMessages.DecodeResponse(Utf8("{\"type\":6,\"requestId\":\"r\"}"))).Data, Is.Null);

        const string clientCount = "{\"type\":8,\"requestId\":\"1-O2m-\",\"clientCount\":1}";
        Assert.That(WriteJson(o => ClassicMessages.WriteBroadcastClientCountResponse(o, "1-O2m-", 1)), Is.EqualTo(clientCount));
        Assert.That(((BroadcastClientCountResponse)ClassicMessages.DecodeResponse(Utf8(clientCount))).ClientCount, Is.EqualTo(1));

        const string sockets = "{\"requestId\":\"abc\",\"sockets\":[\"s1\",\"s2\"]}";
        Assert.That(WriteJson(o => ClassicMessages.WriteSocketsResponse(o, "abc", ["s1", "s2"])), Is.EqualTo(sockets));
        Assert.That(ClassicMessages.DecodeResponse(Utf8(sockets)).SocketIds(), Is.EqualTo(new[] { "s1", "s2" }));

        Assert.Throws<FormatException>(() => ClassicMessages.DecodeResponse(Utf8("{\"rooms\":[]}")), "no requestId");
        Assert.Throws<FormatException>(() => ClassicMessages.DecodeResponse(Utf8("{\"type\":8,\"requestId\":\"r\"}")), "no clientCount");
    }

    [Test]
    public void A_fetch_sockets_response_has_nodes_shape()
    {
        // [captured] shape; "time" is JS Date.toString(), "issued" ms epoch
        const string handshake =
            "{\"headers\":{\"host\":\"localhost:3000\"},\"time\":\"Fri Dec 04 2026 14:50:46 GMT+0000 (Coordinated Universal Time)\",\"address\":\"127.0.0.1\"," +
            "\"xdomain\":false,\"secure\":false,\"issued\":1796395846610,\"url\":\"/socket.io/?EIO=4&transport=websocket\"," +
            "\"query\":{\"EIO\":\"4\",\"transport\":\"websocket\"},\"auth\":{}}";
        var data = JToken.FromObject(new { nick = "b", blob = new byte[] { 1, 2 } });
        var socket = new RemoteSocketInfo("3Ywh5wvRgSoS0VTlAAAB", JObject.Parse(handshake), ["3Ywh5wvRgSoS0VTlAAAB", "room1"], data);
        var json = WriteJson(o => ClassicMessages.WriteRemoteFetchResponse(o, "SRO9hz", [socket]));
        Assert.That(json, Is.EqualTo(
            "{\"requestId\":\"SRO9hz\",\"sockets\":[{\"id\":\"3Ywh5wvRgSoS0VTlAAAB\",\"handshake\":" + handshake +
            ",\"rooms\":[\"3Ywh5wvRgSoS0VTlAAAB\",\"room1\"],\"data\":{\"nick\":\"b\",\"blob\":{\"type\":\"Buffer\",\"data\":[1,2]}}}]}"));

        var decoded = ClassicMessages.DecodeResponse(Utf8(json)).FetchedSockets()!;
        Assert.That(decoded, Has.Count.EqualTo(1));
        Assert.That(decoded[0].Id, Is.EqualTo("3Ywh5wvRgSoS0VTlAAAB"));
        Assert.That(decoded[0].Rooms, Is.EqualTo(new[] { "3Ywh5wvRgSoS0VTlAAAB", "room1" }));
        Assert.That((string?)decoded[0].Handshake["time"], Is.EqualTo("Fri Dec 04 2026 14:50:46 GMT+0000 (Coordinated Universal Time)"));
        Assert.That((long)decoded[0].Handshake["issued"]!, Is.EqualTo(1796395846610));
        Assert.That(decoded[0].Data!["blob"]!.Type, Is.EqualTo(JTokenType.Object), "Buffers in JSON stay objects");
    }

    // ------------------------------------------------------------------ NodeJson: JSON.stringify / JSON.parse

    [Test]
    public void Json_is_written_as_json_stringify_writes_it()
    {
        // Expected text: JSON.stringify in Node 20 of
        // {n:[1,1.5,100,1e21,1e-7,0.000001,123456789012345680000,-0,NaN,Infinity,2**53,0.1+0.2,5e-324,1.7976931348623157e308],
        //  s:'q"\\\b\f\n\r\t\u0001\u001f\u007f é😀 \u2028 <>&\'', lone:'\ud800x', buf:Buffer.from([1,2,3]), date:new Date(1700000000123),
        //  undef:undefined, arr:[undefined,null]}
        var token = new JObject
        {
            ["n"] = new JArray(1, 1.5, 100.0, 1e21, 1e-7, 0.000001, 123456789012345680000.0, -0.0, double.NaN, double.PositiveInfinity,
                9007199254740992.0, 0.1 + 0.2, double.Epsilon, double.MaxValue),
            ["s"] = "q\"\\\b\f\n\r\t\u0001\u001f\u007f é😀 \u2028 <>&'",
            ["lone"] = "\ud800x",
            ["buf"] = new JValue(new byte[] { 1, 2, 3 }),
            ["date"] = new JValue(new DateTime(2023, 11, 14, 22, 13, 20, 123, DateTimeKind.Utc)),
            ["undef"] = JValue.CreateUndefined(),
            ["arr"] = new JArray(JValue.CreateUndefined(), JValue.CreateNull()),
        };
        Assert.That(NodeJson.Serialize(token), Is.EqualTo(
            "{\"n\":[1,1.5,100,1e+21,1e-7,0.000001,123456789012345680000,0,null,null,9007199254740992,0.30000000000000004,5e-324,1.7976931348623157e+308]," +
            "\"s\":\"q\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u007f é😀 \u2028 <>&'\",\"lone\":\"\\ud800x\",\"buf\":{\"type\":\"Buffer\",\"data\":[1,2,3]}," +
            "\"date\":\"2023-11-14T22:13:20.123Z\",\"arr\":[null,null]}"));
    }

    [Test]
    public void Json_is_parsed_as_json_parse_reads_it()
    {
        var token = NodeJson.Parse(Utf8("{\"d\":\"2023-11-14T22:13:20.123Z\",\"b\":{\"type\":\"Buffer\",\"data\":[1]},\"a\":1,\"a\":2,\"big\":123456789012345678901234567890}"));
        Assert.That(token["d"]!.Type, Is.EqualTo(JTokenType.String), "dates stay strings");
        Assert.That(token["b"]!.Type, Is.EqualTo(JTokenType.Object), "Buffer objects stay objects");
        Assert.That((long)token["a"]!, Is.EqualTo(2), "the last duplicate wins");
        Assert.That(token["big"]!.Type, Is.EqualTo(JTokenType.Integer));
        Assert.Throws<FormatException>(() => NodeJson.Parse("{} {}"));
        Assert.Throws<FormatException>(() => NodeJson.Parse(""));
        Assert.Throws<FormatException>(() => NodeJson.Parse("{\"a\":"));
        var multiSegment = SplitSequence(Utf8("{\"ab\":\"é\"}"), 5);
        Assert.That(Json(NodeJson.Parse(multiSegment)), Is.EqualTo("{\"ab\":\"é\"}"));
    }

    [TestCase(0.0, "1970-01-01T00:00:00.000Z")]
    [TestCase(-1.0, "1969-12-31T23:59:59.999Z")]
    [TestCase(1700000000123.0, "2023-11-14T22:13:20.123Z")]
    [TestCase(253402300800000.0, "+010000-01-01T00:00:00.000Z")]
    [TestCase(-62198755200000.0, "-000001-01-01T00:00:00.000Z")]
    [TestCase(-62167219200000.0, "0000-01-01T00:00:00.000Z")]
    [TestCase(8.64e15, "+275760-09-13T00:00:00.000Z")]
    [TestCase(-8.64e15, "-271821-04-20T00:00:00.000Z")]
    [TestCase(951782400000.0, "2000-02-29T00:00:00.000Z")]
    [TestCase(4107542400000.0, "2100-03-01T00:00:00.000Z")]
    [TestCase(8.64e15 + 1, null)]
    [TestCase(double.NaN, null)]
    public void Js_iso_dates_match_node(double ms, string? iso) =>
        // expected strings: new Date(ms).toISOString() in Node 20
        Assert.That(JsValues.FormatIsoDate(ms), Is.EqualTo(iso));

    private static ReadOnlySequence<byte> SplitSequence(byte[] bytes, int at)
    {
        var first = new Segment(bytes.AsMemory(0, at));
        var last = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [Test]
    public void Multi_segment_messages_decode()
    {
        var bytes = Hex(CapturedRoomBroadcast);
        for (var at = 1; at < bytes.Length; at += 7)
        {
            Assert.That(ClassicMessages.DecodeBroadcast(SplitSequence(bytes, at)).Options.Rooms, Is.EqualTo(new[] { "room1" }));
        }
        var json = Utf8("{\"type\":8,\"requestId\":\"r\",\"clientCount\":3}");
        Assert.That(((BroadcastClientCountResponse)ClassicMessages.DecodeResponse(SplitSequence(json, 3))).ClientCount, Is.EqualTo(3));
    }

    // ------------------------------------------------------------------ channels

    [Test]
    public void Channel_names_are_nodes()
    {
        var root = new ClassicChannels("socket.io", "/");
        Assert.Multiple(() =>
        {
            Assert.That(root.BroadcastBase, Is.EqualTo("socket.io#/#"));
            Assert.That(root.BroadcastPattern, Is.EqualTo("socket.io#/#*"));
            Assert.That(root.RoomChannel("room1"), Is.EqualTo("socket.io#/#room1#"));
            Assert.That(root.RoomChannel("123"), Is.EqualTo("socket.io#/#123#"));
            Assert.That(root.Request, Is.EqualTo("socket.io-request#/#"));
            Assert.That(root.Response, Is.EqualTo("socket.io-response#/#"));
            Assert.That(root.SpecificResponse("VZeF56"), Is.EqualTo("socket.io-response#/#VZeF56#"));
            Assert.That(root.BroadcastChannel(["room1"]), Is.EqualTo("socket.io#/#room1#"));
            Assert.That(root.BroadcastChannel([]), Is.EqualTo("socket.io#/#"));
            Assert.That(root.BroadcastChannel(["a", "b"]), Is.EqualTo("socket.io#/#"));
            Assert.That(ClassicChannels.KeyPattern("socket.io"), Is.EqualTo("socket.io*"));
            Assert.That(new ClassicChannels("app", "/chat").RoomChannel("r"), Is.EqualTo("app#/chat#r#"));
        });
    }

    [TestCase("/", "socket.io#/#", "Broadcast", null, null)]
    [TestCase("/", "socket.io#/#room1#", "Broadcast", "room1", null)]
    [TestCase("/", "socket.io#/#a#b#", "Broadcast", "a#b", null)]
    [TestCase("/", "socket.io#/###", "Broadcast", "#", null)]
    [TestCase("/", "socket.io#/##", "Broadcast", null, null)]
    [TestCase("/", "socket.io#/#3Ywh5wvRgSoS0VTlAAAB#", "Broadcast", "3Ywh5wvRgSoS0VTlAAAB", null)]
    [TestCase("/", "socket.io-request#/#", "Request", null, null)]
    [TestCase("/", "socket.io-response#/#", "Response", null, null)]
    [TestCase("/", "socket.io-response#/#VZeF56#", "SpecificResponse", null, "VZeF56")]
    [TestCase("/", "socket.io#/chat#", "Foreign", null, null)]
    [TestCase("/", "socket.io#/chat#room1#", "Foreign", null, null)]
    [TestCase("/", "socket.io-request#/chat#", "Foreign", null, null)]
    [TestCase("/", "socket.io-foo", "Foreign", null, null)]
    [TestCase("/", "socket.iox#/#", "Foreign", null, null)]
    [TestCase("/", "socket.io-request#/#x", "Foreign", null, null)]
    [TestCase("/chat", "socket.io#/chat#", "Broadcast", null, null)]
    [TestCase("/chat", "socket.io#/chat#room#1#", "Broadcast", "room#1", null)]
    [TestCase("/chat", "socket.io-request#/chat#", "Request", null, null)]
    [TestCase("/chat", "socket.io-response#/chat#abc#", "SpecificResponse", null, "abc")]
    [TestCase("/chat", "socket.io#/#", "Foreign", null, null)]
    [TestCase("/chat", "socket.io#/chat/x#", "Foreign", null, null)]
    [TestCase("/a/b", "socket.io#/a/b#r#", "Broadcast", "r", null)]
    public void A_channel_is_classified_for_a_namespace(string nsp, string channel, string kind, string? room, string? uid) =>
        Assert.That(new ClassicChannels("socket.io", nsp).Match(channel), Is.EqualTo(new ChannelMatch(Enum.Parse<ChannelKind>(kind), room, uid)));

    [TestCase("socket.io#/#", "Broadcast", "/", null, null)]
    [TestCase("socket.io#/chat#room#1#", "Broadcast", "/chat", "room#1", null)]
    [TestCase("socket.io#/a/b#r#", "Broadcast", "/a/b", "r", null)]
    [TestCase("socket.io-request#/chat#", "Request", "/chat", null, null)]
    [TestCase("socket.io-request#/a#b#", "Request", "/a#b", null, null)]
    [TestCase("socket.io-response#/chat#", "Response", "/chat", null, null)]
    [TestCase("socket.io-response#/#VZeF56#", "SpecificResponse", "/", null, "VZeF56")]
    [TestCase("socket.io-foo", "Foreign", null, null, null)]
    [TestCase("socket.io#nsp#", "Foreign", null, null, null)]
    [TestCase("socket.io#/", "Foreign", null, null, null)]
    [TestCase("other#/#", "Foreign", null, null, null)]
    public void A_channel_is_parsed_under_a_key(string channel, string kind, string? nsp, string? room, string? uid) =>
        Assert.That(ClassicChannels.Parse("socket.io", channel), Is.EqualTo(new ParsedChannel(Enum.Parse<ChannelKind>(kind), nsp, room, uid)));

    // ------------------------------------------------------------------ ids

    [Test]
    public void Uids_and_request_ids_are_url_safe_and_distinct()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var uid = NodeIds.NewUid();
        Assert.That(uid, Has.Length.EqualTo(6));
        Assert.That(uid.All(alphabet.Contains), Is.True, uid);
        var ids = Enumerable.Range(0, 10_000).Select(_ => NodeIds.NewRequestId()).ToList();
        Assert.That(ids.All(id => id.Length == 16 && id.All(alphabet.Contains)), Is.True);
        Assert.That(ids.Distinct().Count(), Is.EqualTo(ids.Count));
    }

    // ------------------------------------------------------------------ JS number formatting

    [TestCase(1.0, "1")]
    [TestCase(-1.5, "-1.5")]
    [TestCase(100.0, "100")]
    [TestCase(1e21, "1e+21")]
    [TestCase(1e-7, "1e-7")]
    [TestCase(1.5e-7, "1.5e-7")]
    [TestCase(0.000001, "0.000001")]
    [TestCase(123456789012345680000.0, "123456789012345680000")]
    [TestCase(0.30000000000000004, "0.30000000000000004")]
    [TestCase(5e-324, "5e-324")]
    [TestCase(1.7976931348623157e308, "1.7976931348623157e+308")]
    [TestCase(-0.0, "0")]
    public void Numbers_are_formatted_as_js_does(double value, string expected) =>
        Assert.That(JsValues.FormatNumber(value), Is.EqualTo(expected));
}
