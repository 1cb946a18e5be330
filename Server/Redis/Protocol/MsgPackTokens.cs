using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using MessagePack;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Redis.Protocol;

/// <summary>
/// MessagePack ⇄ Newtonsoft <see cref="JToken"/>, with the value mapping of notepack.io 3.0.1 (the
/// msgpack codec of Node's <c>@socket.io/redis-adapter</c> 8.x and <c>@socket.io/redis-emitter</c> 5.x).
/// </summary>
/// <remarks>
/// <para>Reading: map → <see cref="JObject"/> (keys as JS strings; a later duplicate key wins), array →
/// <see cref="JArray"/>, str → string, any int → <see cref="long"/> (a uint64 above <see cref="long.MaxValue"/>
/// → <see cref="double"/>, the JS number notepack gives), float32/float64 → <see cref="double"/>, nil → null,
/// bin → a <see cref="JTokenType.Bytes"/> value holding a <c>byte[]</c> (sent to clients as an attachment),
/// timestamp ext −1 and notepack's legacy date ext (<c>d7 00</c>) → the JS ISO string a Node server would send
/// its clients for that <c>Date</c> (null for an invalid date), legacy ArrayBuffer ext 0 (<c>c7/c8/c9 00</c>) →
/// bytes, any other ext → null (notepack gives <c>[type, Buffer]</c>). Nesting deeper than <see cref="MaxDepth"/>,
/// trailing bytes, truncated or invalid input → <see cref="FormatException"/>.</para>
/// <para>Writing: integer-valued numbers → the smallest int encoding (uint for ≥ 0, int for &lt; 0, <c>-0</c> → 0),
/// other numbers → float64 (never float32), strings → UTF-8 str (str8 allowed), null → nil, bytes → bin,
/// dates → JS ISO strings (not timestamps), Guid/Uri/TimeSpan → strings; object properties whose value is
/// <see cref="JTokenType.Undefined"/> are left out, as notepack leaves out <c>undefined</c> ones (in arrays they are nil).</para>
/// </remarks>
internal static class MsgPackTokens
{
    /// <summary>The deepest nesting of maps and arrays read or written (a map at top level is depth 1).</summary>
    public const int MaxDepth = 128;


    // ---------------------------------------------------------------- reading

    /// <summary>Decodes one whole msgpack value; anything after it is an error.</summary>
    /// <exception cref="FormatException">Invalid, truncated or too deeply nested input, or trailing bytes.</exception>
    public static JToken Decode(ReadOnlyMemory<byte> message) => Decode(new ReadOnlySequence<byte>(message));

    /// <inheritdoc cref="Decode(ReadOnlyMemory{byte})"/>
    public static JToken Decode(in ReadOnlySequence<byte> message)
    {
        var reader = new MessagePackReader(message);
        var token = Read(ref reader);
        if (!reader.End)
        {
            throw new FormatException($"{message.Length - reader.Consumed} trailing bytes after the msgpack value");
        }
        return token;
    }

    /// <summary>Reads the next msgpack value of <paramref name="reader"/>.</summary>
    /// <exception cref="FormatException">Invalid, truncated or too deeply nested input.</exception>
    public static JToken Read(ref MessagePackReader reader)
    {
        try
        {
            return ReadValue(ref reader, 0);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException
                                      or ArgumentException or InvalidOperationException)
        {
            throw new FormatException("invalid msgpack: " + e.Message, e);
        }
    }

    private static JToken ReadValue(ref MessagePackReader reader, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64)
                {
                    var unsigned = reader.ReadUInt64();
                    return unsigned <= long.MaxValue ? new JValue((long)unsigned) : new JValue((double)unsigned);
                }
                return new JValue(reader.ReadInt64());
            case MessagePackType.Nil:
                reader.ReadNil();
                return JValue.CreateNull();
            case MessagePackType.Boolean:
                return new JValue(reader.ReadBoolean());
            case MessagePackType.Float:
                return new JValue(reader.ReadDouble());
            case MessagePackType.String:
                return JValue.CreateString(reader.ReadString());
            case MessagePackType.Binary:
                return new JValue(reader.ReadBytes()!.Value.ToArray());
            case MessagePackType.Array:
            {
                CheckDepth(depth);
                var count = reader.ReadArrayHeader();
                var array = new JArray();
                for (var i = 0; i < count; i++)
                {
                    array.Add(ReadValue(ref reader, depth + 1));
                }
                return array;
            }
            case MessagePackType.Map:
            {
                CheckDepth(depth);
                var count = reader.ReadMapHeader();
                var map = new JObject();
                for (var i = 0; i < count; i++)
                {
                    var key = ReadKey(ref reader);
                    map[key] = ReadValue(ref reader, depth + 1);
                }
                return map;
            }
            case MessagePackType.Extension:
                return ReadExtension(ref reader);
            default:
                throw new FormatException($"invalid msgpack code 0x{reader.NextCode:x2}");
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new FormatException($"msgpack value nested deeper than {MaxDepth} levels");
        }
    }

    /// <summary>A map key as the JS property name it becomes (Node peers only ever send string keys).</summary>
    private static string ReadKey(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String:
                return reader.ReadString()!;
            case MessagePackType.Integer or MessagePackType.Float or MessagePackType.Boolean or MessagePackType.Nil:
                return JsValues.ToJsString(ReadValue(ref reader, MaxDepth))!;
            default:
                throw new FormatException($"unsupported msgpack map key (code 0x{reader.NextCode:x2})");
        }
    }

    private static JToken ReadExtension(ref MessagePackReader reader)
    {
        var code = reader.NextCode;
        var header = reader.ReadExtensionFormatHeader();
        var body = reader.ReadRaw(header.Length);
        Span<byte> fixedBody = stackalloc byte[12];
        switch (header.TypeCode)
        {
            case -1 when code == MessagePackCode.FixExt4:
                body.CopyTo(fixedBody);
                return DateToken(BinaryPrimitives.ReadUInt32BigEndian(fixedBody) * 1e3);
            case -1 when code == MessagePackCode.FixExt8:
            {
                body.CopyTo(fixedBody);
                var data = BinaryPrimitives.ReadUInt64BigEndian(fixedBody);
                return DateToken((data & 0x3_FFFF_FFFFUL) * 1e3 + (data >> 34) / 1e6);
            }
            case -1 when code == MessagePackCode.Ext8 && header.Length == 12:
            {
                body.CopyTo(fixedBody);
                var nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(fixedBody);
                var seconds = BinaryPrimitives.ReadInt64BigEndian(fixedBody[4..]);
                return DateToken(seconds * 1e3 + nanoseconds / 1e6);
            }
            case 0 when code == MessagePackCode.FixExt8:
                // notepack 2.x dates: int64 ms since the epoch
                body.CopyTo(fixedBody);
                return DateToken(BinaryPrimitives.ReadInt64BigEndian(fixedBody));
            case 0 when code is MessagePackCode.Ext8 or MessagePackCode.Ext16 or MessagePackCode.Ext32:
                // notepack 2.x ArrayBuffer: forwarded by Node as binary
                return new JValue(body.ToArray());
            default:
                // d4 00 is notepack's legacy `undefined`; other types would be [type, Buffer] in Node
                return JValue.CreateNull();
        }
    }

    private static JValue DateToken(double ms) =>
        JsValues.FormatIsoDate(ms) is { } iso ? JValue.CreateString(iso) : JValue.CreateNull();

    // ---------------------------------------------------------------- writing

    /// <summary>Encodes <paramref name="token"/> (null = nil) as one msgpack value.</summary>
    public static byte[] Encode(JToken? token)
    {
        var output = new ArrayBufferWriter<byte>();
        Encode(output, token);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Appends <paramref name="token"/> (null = nil) to <paramref name="output"/> as one msgpack value.</summary>
    public static void Encode(IBufferWriter<byte> output, JToken? token)
    {
        var writer = new MessagePackWriter(output);
        Write(ref writer, token);
        writer.Flush();
    }

    /// <summary>Writes <paramref name="token"/> (null = nil) as one msgpack value.</summary>
    /// <exception cref="ArgumentException">The token is nested deeper than <see cref="MaxDepth"/>.</exception>
    public static void Write(ref MessagePackWriter writer, JToken? token) => WriteToken(ref writer, token, 0);

    /// <summary>
    /// Writes an emit argument: a <see cref="JToken"/>, <c>byte[]</c> / <see cref="ReadOnlyMemory{T}"/> /
    /// <see cref="Memory{T}"/> / <see cref="ArraySegment{T}"/> of bytes (bin), a string, bool, number, date or
    /// Guid; anything else through <see cref="JToken.FromObject(object, JsonSerializer)"/> with
    /// <paramref name="serializer"/> (default settings when null), so its attributes and converters apply.
    /// </summary>
    public static void WriteValue(ref MessagePackWriter writer, object? value, JsonSerializer? serializer = null)
    {
        switch (value)
        {
            case null:
                writer.WriteNil();
                break;
            case JToken token:
                WriteToken(ref writer, token, 0);
                break;
            case string text:
                writer.Write(text);
                break;
            case bool flag:
                writer.Write(flag);
                break;
            case byte[] bytes:
                writer.Write(bytes.AsSpan());
                break;
            case ReadOnlyMemory<byte> memory:
                writer.Write(memory.Span);
                break;
            case Memory<byte> memory:
                writer.Write(memory.Span);
                break;
            case ArraySegment<byte> segment:
                writer.Write(segment.AsSpan());
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                WriteInteger(ref writer, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong unsigned:
                writer.Write(unsigned);
                break;
            case double number:
                WriteNumber(ref writer, number);
                break;
            case float number:
                WriteNumber(ref writer, number);
                break;
            case decimal number:
                WriteDecimal(ref writer, number);
                break;
            case DateTime date:
                writer.Write(JsValues.FormatIsoDate(date));
                break;
            case DateTimeOffset date:
                writer.Write(JsValues.FormatIsoDate(date));
                break;
            case Guid guid:
                writer.Write(guid.ToString("D"));
                break;
            default:
                WriteToken(ref writer, JToken.FromObject(value, serializer ?? SocketIoChat.SocketIo.SocketIoJson.DefaultSerializer), 0);
                break;
        }
    }

    /// <summary>Writes a JS number: integer-valued → smallest int encoding, else float64 (as notepack).</summary>
    public static void WriteNumber(ref MessagePackWriter writer, double value)
    {
        if (double.IsFinite(value) && Math.Floor(value) == value)
        {
            if (value >= -9223372036854775808.0 && value < 9223372036854775808.0)
            {
                WriteInteger(ref writer, (long)value);
                return;
            }
            if (value > 0 && value < 18446744073709551616.0)
            {
                writer.Write((ulong)value);
                return;
            }
            // notepack corrupts integers of 2^64 and more; a float64 keeps the value.
        }
        // .NET's NaN has the sign bit set; V8 writes the canonical quiet NaN 7ff8…
        writer.Write(double.IsNaN(value) ? BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000) : value);
    }

    /// <summary>Writes an integer in its smallest encoding: positive fixint/uint8–64 for ≥ 0, negative fixint/int8–64 below.</summary>
    public static void WriteInteger(ref MessagePackWriter writer, long value)
    {
        if (value >= 0)
        {
            writer.Write((ulong)value);
        }
        else
        {
            writer.Write(value);
        }
    }

    private static void WriteDecimal(ref MessagePackWriter writer, decimal value)
    {
        if (decimal.Truncate(value) == value && value >= long.MinValue && value <= long.MaxValue)
        {
            WriteInteger(ref writer, (long)value);
        }
        else
        {
            WriteNumber(ref writer, (double)value);
        }
    }

    private static void WriteToken(ref MessagePackWriter writer, JToken? token, int depth)
    {
        switch (token)
        {
            case null:
                writer.WriteNil();
                break;
            case JObject obj:
            {
                CheckWriteDepth(depth);
                var count = 0;
                foreach (var property in obj.Properties())
                {
                    if (!IsOmitted(property.Value))
                    {
                        count++;
                    }
                }
                writer.WriteMapHeader(count);
                foreach (var property in obj.Properties())
                {
                    if (!IsOmitted(property.Value))
                    {
                        writer.Write(property.Name);
                        WriteToken(ref writer, property.Value, depth + 1);
                    }
                }
                break;
            }
            case JArray array:
                CheckWriteDepth(depth);
                writer.WriteArrayHeader(array.Count);
                foreach (var item in array)
                {
                    WriteToken(ref writer, item, depth + 1);
                }
                break;
            case JRaw { Value: string raw }:
                WriteToken(ref writer, NodeJson.Parse(raw), depth);
                break;
            case JValue value:
                WriteScalar(ref writer, value);
                break;
            default:
                // JConstructor, JProperty outside an object: no JS counterpart.
                writer.WriteNil();
                break;
        }
    }

    private static void WriteScalar(ref MessagePackWriter writer, JValue value)
    {
        switch (value.Type)
        {
            case JTokenType.String:
                writer.Write((string?)value.Value);
                break;
            case JTokenType.Integer:
                switch (value.Value)
                {
                    case ulong unsigned:
                        writer.Write(unsigned);
                        break;
                    case BigInteger big:
                        if (big >= long.MinValue && big <= long.MaxValue)
                        {
                            WriteInteger(ref writer, (long)big);
                        }
                        else if (big > 0 && big <= ulong.MaxValue)
                        {
                            writer.Write((ulong)big);
                        }
                        else
                        {
                            writer.Write((double)big);
                        }
                        break;
                    default:
                        WriteInteger(ref writer, Convert.ToInt64(value.Value, CultureInfo.InvariantCulture));
                        break;
                }
                break;
            case JTokenType.Float:
                if (value.Value is decimal number)
                {
                    WriteDecimal(ref writer, number);
                }
                else
                {
                    WriteNumber(ref writer, Convert.ToDouble(value.Value, CultureInfo.InvariantCulture));
                }
                break;
            case JTokenType.Boolean:
                writer.Write((bool)value.Value!);
                break;
            case JTokenType.Bytes:
                writer.Write(((byte[]?)value.Value).AsSpan());
                break;
            case JTokenType.Date:
                writer.Write(value.Value switch
                {
                    DateTimeOffset offset => JsValues.FormatIsoDate(offset),
                    DateTime date => JsValues.FormatIsoDate(date),
                    var other => Convert.ToString(other, CultureInfo.InvariantCulture),
                });
                break;
            case JTokenType.Guid or JTokenType.Uri or JTokenType.TimeSpan:
                writer.Write(JsValues.ScalarText(value));
                break;
            default:
                // Null, Undefined, Comment, None
                writer.WriteNil();
                break;
        }
    }

    /// <summary>Object properties left out on the wire, as notepack and JSON.stringify leave out <c>undefined</c>.</summary>
    internal static bool IsOmitted(JToken value) => value.Type is JTokenType.Undefined or JTokenType.Comment;

    private static void CheckWriteDepth(int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new ArgumentException($"value nested deeper than {MaxDepth} levels");
        }
    }
}
