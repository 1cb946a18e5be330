using System.Buffers;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Redis.Protocol;

/// <summary>
/// JSON as Node's <c>JSON.stringify</c> writes it and <c>JSON.parse</c> reads it, for the JSON-encoded
/// requests and responses of the classic Redis adapter.
/// </summary>
/// <remarks>
/// <para>Writing: binary values (<see cref="JTokenType.Bytes"/> tokens, <c>byte[]</c> arguments) become
/// <c>{"type":"Buffer","data":[1,2,3]}</c> (Node's <c>Buffer.prototype.toJSON</c>); dates become JS ISO
/// strings; non-finite numbers <c>null</c>; doubles are written as JS writes numbers (<c>1</c>, <c>1.5</c>,
/// <c>1e+21</c>); strings are escaped as <c>JSON.stringify</c> does (only <c>"</c>, <c>\</c>, control characters
/// and lone surrogates); <see cref="JTokenType.Undefined"/> properties are left out.</para>
/// <para>Reading: dates stay strings (<see cref="DateParseHandling.None"/>), and a Buffer object stays the
/// plain object <c>{"type":"Buffer","data":[…]}</c>: Node never turns it back into a Buffer on receipt
/// (a serverSideEmit argument or <c>socket.data</c> sent as JSON arrives as that object), so neither do we.</para>
/// </remarks>
internal static class NodeJson
{

    private static readonly JsonLoadSettings LoadSettings = new()
    {
        CommentHandling = CommentHandling.Ignore,
        LineInfoHandling = LineInfoHandling.Ignore,
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Replace, // JSON.parse: the last one wins
    };

    /// <summary>Parses one JSON value (dates stay strings, integers beyond 64 bits are BigIntegers).</summary>
    /// <exception cref="FormatException">Not valid JSON, trailing content, or nested deeper than <see cref="MsgPackTokens.MaxDepth"/>.</exception>
    public static JToken Parse(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            MaxDepth = MsgPackTokens.MaxDepth,
        };
        try
        {
            var token = JToken.ReadFrom(reader, LoadSettings);
            if (reader.Read())
            {
                throw new FormatException($"trailing content after the JSON value ({reader.TokenType})");
            }
            return token;
        }
        catch (JsonException e)
        {
            throw new FormatException("invalid JSON: " + e.Message, e);
        }
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static JToken Parse(ReadOnlySpan<byte> utf8) => Parse(Encoding.UTF8.GetString(utf8));

    /// <inheritdoc cref="Parse(string)"/>
    public static JToken Parse(in ReadOnlySequence<byte> utf8) =>
        utf8.IsSingleSegment ? Parse(utf8.FirstSpan) : Parse(Encoding.UTF8.GetString(utf8));

    /// <summary><paramref name="token"/> (null = <c>null</c>) as <c>JSON.stringify</c> would write it.</summary>
    public static string Serialize(JToken? token)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, token);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>Appends <paramref name="token"/> (null = <c>null</c>) to <paramref name="output"/> as UTF-8 JSON.</summary>
    public static void Write(IBufferWriter<byte> output, JToken? token) => new NodeJsonWriter(output).Token(token);

    /// <summary>Appends an emit argument to <paramref name="output"/> as UTF-8 JSON (see <see cref="NodeJsonWriter.Value"/>).</summary>
    public static void WriteValue(IBufferWriter<byte> output, object? value, JsonSerializer? serializer = null) =>
        new NodeJsonWriter(output, serializer).Value(value);

    internal static JsonSerializer Serializer(JsonSerializer? serializer) => serializer ?? SocketIoChat.SocketIo.SocketIoJson.DefaultSerializer;
}

/// <summary>
/// A forward-only UTF-8 JSON writer with <c>JSON.stringify</c>'s output (see <see cref="NodeJson"/>);
/// the caller writes well-formed sequences (a property name before each object member).
/// </summary>
internal sealed class NodeJsonWriter(IBufferWriter<byte> output, JsonSerializer? serializer = null)
{
    private readonly JsonSerializer _serializer = NodeJson.Serializer(serializer);
    private bool _needComma;
    private int _depth;

    /// <summary>Writes <c>{</c>.</summary>
    public NodeJsonWriter StartObject()
    {
        Separator();
        Raw((byte)'{');
        Enter();
        return this;
    }

    /// <summary>Writes <c>}</c>.</summary>
    public NodeJsonWriter EndObject()
    {
        Raw((byte)'}');
        _depth--;
        _needComma = true;
        return this;
    }

    /// <summary>Writes <c>[</c>.</summary>
    public NodeJsonWriter StartArray()
    {
        Separator();
        Raw((byte)'[');
        Enter();
        return this;
    }

    /// <summary>Writes <c>]</c>.</summary>
    public NodeJsonWriter EndArray()
    {
        Raw((byte)']');
        _depth--;
        _needComma = true;
        return this;
    }

    /// <summary>Writes <c>"name":</c>.</summary>
    public NodeJsonWriter Name(string name)
    {
        Separator();
        Text(name);
        Raw((byte)':');
        _needComma = false;
        return this;
    }

    /// <summary>Writes a string, or <c>null</c>.</summary>
    public NodeJsonWriter String(string? value)
    {
        Separator();
        if (value is null)
        {
            Ascii("null");
        }
        else
        {
            Text(value);
        }
        _needComma = true;
        return this;
    }

    /// <summary>Writes an integer.</summary>
    public NodeJsonWriter Number(long value)
    {
        Separator();
        Ascii(value.ToString(CultureInfo.InvariantCulture));
        _needComma = true;
        return this;
    }

    /// <summary>Writes a JS number (<c>null</c> for NaN and infinities, as <c>JSON.stringify</c>).</summary>
    public NodeJsonWriter Number(double value)
    {
        Separator();
        Ascii(double.IsFinite(value) ? JsValues.FormatNumber(value) : "null");
        _needComma = true;
        return this;
    }

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    public NodeJsonWriter Bool(bool value)
    {
        Separator();
        Ascii(value ? "true" : "false");
        _needComma = true;
        return this;
    }

    /// <summary>Writes <c>null</c>.</summary>
    public NodeJsonWriter Null()
    {
        Separator();
        Ascii("null");
        _needComma = true;
        return this;
    }

    /// <summary>Writes bytes as Node writes a Buffer: <c>{"type":"Buffer","data":[…]}</c>.</summary>
    public NodeJsonWriter Buffer(ReadOnlySpan<byte> bytes)
    {
        Separator();
        Ascii("{\"type\":\"Buffer\",\"data\":[");
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i > 0)
            {
                Raw((byte)',');
            }
            Ascii(bytes[i].ToString(CultureInfo.InvariantCulture));
        }
        Ascii("]}");
        _needComma = true;
        return this;
    }

    /// <summary>Writes a list of strings as an array.</summary>
    public NodeJsonWriter Strings(IEnumerable<string> values)
    {
        StartArray();
        foreach (var value in values)
        {
            String(value);
        }
        return EndArray();
    }

    /// <summary>
    /// Writes an emit argument: a <see cref="JToken"/>, bytes (<c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/>,
    /// <see cref="Memory{T}"/>, <see cref="ArraySegment{T}"/>) as a Buffer object, a string, bool, number, date or
    /// Guid; anything else through <see cref="JToken.FromObject(object, JsonSerializer)"/>.
    /// </summary>
    public NodeJsonWriter Value(object? value)
    {
        switch (value)
        {
            case null:
                return Null();
            case JToken token:
                return Token(token);
            case string text:
                return String(text);
            case bool flag:
                return Bool(flag);
            case byte[] bytes:
                return Buffer(bytes);
            case ReadOnlyMemory<byte> memory:
                return Buffer(memory.Span);
            case Memory<byte> memory:
                return Buffer(memory.Span);
            case ArraySegment<byte> segment:
                return Buffer(segment);
            case sbyte or byte or short or ushort or int or uint or long:
                return Number(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case ulong unsigned:
                return RawNumber(unsigned.ToString(CultureInfo.InvariantCulture));
            case double number:
                return Number(number);
            case float number:
                return Number(number);
            case decimal number:
                return Number((double)number);
            case DateTime date:
                return String(JsValues.FormatIsoDate(date));
            case DateTimeOffset date:
                return String(JsValues.FormatIsoDate(date));
            case Guid guid:
                return String(guid.ToString("D"));
            default:
                return Token(JToken.FromObject(value, _serializer));
        }
    }

    /// <summary>Writes a token (null = <c>null</c>).</summary>
    public NodeJsonWriter Token(JToken? token)
    {
        switch (token)
        {
            case null:
                return Null();
            case JObject obj:
                StartObject();
                foreach (var property in obj.Properties())
                {
                    if (!MsgPackTokens.IsOmitted(property.Value))
                    {
                        Name(property.Name);
                        Token(property.Value);
                    }
                }
                return EndObject();
            case JArray array:
                StartArray();
                foreach (var item in array)
                {
                    Token(item);
                }
                return EndArray();
            case JRaw { Value: string raw }:
                return Token(NodeJson.Parse(raw));
            case JValue value:
                return Scalar(value);
            default:
                return Null();
        }
    }

    private NodeJsonWriter Scalar(JValue value)
    {
        switch (value.Type)
        {
            case JTokenType.String:
                return String((string?)value.Value);
            case JTokenType.Integer:
                return value.Value switch
                {
                    long or int or short or sbyte or byte or ushort or uint => Number(Convert.ToInt64(value.Value, CultureInfo.InvariantCulture)),
                    // ulong, BigInteger: the digits (JSON.parse makes a JS number of them)
                    var big => RawNumber(Convert.ToString(big, CultureInfo.InvariantCulture)!),
                };
            case JTokenType.Float:
                return Number(value.Value is decimal number ? (double)number : Convert.ToDouble(value.Value, CultureInfo.InvariantCulture));
            case JTokenType.Boolean:
                return Bool((bool)value.Value!);
            case JTokenType.Bytes:
                return Buffer((byte[]?)value.Value);
            case JTokenType.Date:
                return String(value.Value switch
                {
                    DateTimeOffset offset => JsValues.FormatIsoDate(offset),
                    DateTime date => JsValues.FormatIsoDate(date),
                    var other => Convert.ToString(other, CultureInfo.InvariantCulture),
                });
            case JTokenType.Guid or JTokenType.Uri or JTokenType.TimeSpan:
                return String(JsValues.ScalarText(value));
            default:
                // Null, Undefined (array items), Comment, None
                return Null();
        }
    }

    private NodeJsonWriter RawNumber(string digits)
    {
        Separator();
        Ascii(digits);
        _needComma = true;
        return this;
    }

    private void Enter()
    {
        if (++_depth > MsgPackTokens.MaxDepth)
        {
            throw new ArgumentException($"value nested deeper than {MsgPackTokens.MaxDepth} levels");
        }
        _needComma = false;
    }

    private void Separator()
    {
        if (_needComma)
        {
            Raw((byte)',');
            _needComma = false;
        }
    }

    private void Raw(byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private void Ascii(string text)
    {
        var span = output.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }
        output.Advance(text.Length);
    }

    /// <summary>A JSON string literal with <c>JSON.stringify</c>'s escaping.</summary>
    private void Text(string text)
    {
        var length = 2;
        for (var i = 0; i < text.Length; i++)
        {
            length += CharLength(text, ref i);
        }
        var span = output.GetSpan(length);
        var at = 0;
        span[at++] = (byte)'"';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'"';
                    continue;
                case '\\':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'\\';
                    continue;
                case '\b':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'b';
                    continue;
                case '\f':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'f';
                    continue;
                case '\n':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'n';
                    continue;
                case '\r':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'r';
                    continue;
                case '\t':
                    span[at++] = (byte)'\\';
                    span[at++] = (byte)'t';
                    continue;
            }
            if (c < 0x20)
            {
                at += Escape(c, span[at..]);
            }
            else if (c < 0x80)
            {
                span[at++] = (byte)c;
            }
            else if (c < 0x800)
            {
                span[at++] = (byte)(0xc0 | (c >> 6));
                span[at++] = (byte)(0x80 | (c & 0x3f));
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var code = char.ConvertToUtf32(c, text[++i]);
                span[at++] = (byte)(0xf0 | (code >> 18));
                span[at++] = (byte)(0x80 | ((code >> 12) & 0x3f));
                span[at++] = (byte)(0x80 | ((code >> 6) & 0x3f));
                span[at++] = (byte)(0x80 | (code & 0x3f));
            }
            else if (char.IsSurrogate(c))
            {
                at += Escape(c, span[at..]); // well-formed JSON.stringify (ES2019): lone surrogates as \udxxx
            }
            else
            {
                span[at++] = (byte)(0xe0 | (c >> 12));
                span[at++] = (byte)(0x80 | ((c >> 6) & 0x3f));
                span[at++] = (byte)(0x80 | (c & 0x3f));
            }
        }
        span[at++] = (byte)'"';
        output.Advance(at);
    }

    private static int CharLength(string text, ref int i)
    {
        var c = text[i];
        if (c is '"' or '\\' or '\b' or '\f' or '\n' or '\r' or '\t')
        {
            return 2;
        }
        if (c < 0x20)
        {
            return 6;
        }
        if (c < 0x80)
        {
            return 1;
        }
        if (c < 0x800)
        {
            return 2;
        }
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            i++;
            return 4;
        }
        return char.IsSurrogate(c) ? 6 : 3;
    }

    private static int Escape(char c, Span<byte> span)
    {
        const string hex = "0123456789abcdef";
        span[0] = (byte)'\\';
        span[1] = (byte)'u';
        span[2] = (byte)hex[c >> 12];
        span[3] = (byte)hex[(c >> 8) & 0xf];
        span[4] = (byte)hex[(c >> 4) & 0xf];
        span[5] = (byte)hex[c & 0xf];
        return 6;
    }
}
