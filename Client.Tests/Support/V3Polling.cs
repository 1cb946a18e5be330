using System.Net;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Tests.Support;

/// <summary>An HTTP answer kept as bytes, since Engine.IO v3 answers may be binary.</summary>
public sealed record HttpAnswer(HttpStatusCode Status, string? ContentType, byte[] Body)
{
    /// <summary>The body read as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <inheritdoc />
    public override string ToString() => $"{(int)Status} {ContentType}: {Text}";
}

/// <summary>One record of the XHR2 binary payload form: a text (0) or binary (1) packet and its bytes.</summary>
public sealed record BinaryRecord(bool IsBinary, byte[] Data)
{
    /// <summary>A text record holding the UTF-8 bytes of <paramref name="packet"/>.</summary>
    public static BinaryRecord Text(string packet) => new(false, Encoding.UTF8.GetBytes(packet));

    /// <summary>A binary record: the packet type byte, then the data.</summary>
    public static BinaryRecord Binary(params byte[] typeAndData) => new(true, typeAndData);

    /// <inheritdoc />
    public override string ToString() => IsBinary ? $"<binary {Convert.ToHexString(Data)}>" : Encoding.UTF8.GetString(Data);
}

/// <summary>
/// The Engine.IO v3 payload forms, written and read the way clients do, independently of the
/// server's code so a shared mistake cannot hide.
/// </summary>
public static class V3Payload
{
    /// <summary>
    /// The text form <c>length:packet…</c>. The length is the JavaScript string length, i.e. UTF-16
    /// code units, which is exactly what <see cref="string.Length"/> counts.
    /// </summary>
    public static string Encode(params string[] packets) => string.Concat(packets.Select(p => $"{p.Length}:{p}"));

    /// <summary>Splits a text payload into its packets, failing the test if any length is off.</summary>
    public static List<string> Decode(string payload)
    {
        var packets = new List<string>();
        var i = 0;
        while (i < payload.Length)
        {
            var colon = payload.IndexOf(':', i);
            Assert.That(colon, Is.GreaterThan(i), $"no length before position {i} in {payload}");
            var length = int.Parse(payload.AsSpan(i, colon - i), System.Globalization.NumberStyles.None, null);
            Assert.That(colon + 1 + length, Is.LessThanOrEqualTo(payload.Length), $"length {length} runs past the end of {payload}");
            packets.Add(payload.Substring(colon + 1, length));
            i = colon + 1 + length;
        }
        return packets;
    }

    /// <summary>
    /// The XHR2 binary form: per record a 0 (text) or 1 (binary) byte, the byte length as one byte
    /// per decimal digit, 0xFF, then the bytes.
    /// </summary>
    public static byte[] EncodeBinary(params BinaryRecord[] records)
    {
        using var output = new MemoryStream();
        foreach (var record in records)
        {
            output.WriteByte(record.IsBinary ? (byte)1 : (byte)0);
            foreach (var digit in record.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                output.WriteByte((byte)(digit - '0'));
            }
            output.WriteByte(0xFF);
            output.Write(record.Data);
        }
        return output.ToArray();
    }

    /// <summary>Splits a binary-form payload into its records, failing the test if it is malformed.</summary>
    public static List<BinaryRecord> DecodeBinary(byte[] payload)
    {
        var records = new List<BinaryRecord>();
        var i = 0;
        while (i < payload.Length)
        {
            Assert.That(payload[i], Is.EqualTo(0).Or.EqualTo(1), $"record kind at {i} of {Convert.ToHexString(payload)}");
            var isBinary = payload[i++] == 1;
            var length = 0;
            while (i < payload.Length && payload[i] != 0xFF)
            {
                Assert.That(payload[i], Is.LessThanOrEqualTo(9), $"length digit at {i} of {Convert.ToHexString(payload)}");
                length = length * 10 + payload[i++];
            }
            i++; // the 0xFF separator
            Assert.That(i + length, Is.LessThanOrEqualTo(payload.Length), $"record length {length} runs past the end of {Convert.ToHexString(payload)}");
            records.Add(new BinaryRecord(isBinary, payload[i..(i + length)]));
            i += length;
        }
        return records;
    }

    /// <summary>
    /// Text as engine.io-parser 1.x (socket.io-client 1.x) puts it in a payload: UTF-8-encoded into
    /// a string with one character per byte, which the browser then UTF-8-encodes again on the wire.
    /// </summary>
    public static string Utf8AsChars(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>Undoes <see cref="Utf8AsChars"/>: the characters, taken as bytes, are UTF-8.</summary>
    public static string CharsAsUtf8(string chars)
    {
        Assert.That(chars.All(c => c <= '\u00FF'), Is.True, $"not one character per byte: {chars}");
        return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(chars));
    }
}

/// <summary>Speaks Engine.IO v3 long-polling by hand: any query, raw bytes and content types.</summary>
/// <param name="baseUrl">The server address.</param>
/// <param name="path">The Engine.IO path, <c>/engine.io/</c> or <c>/socket.io/</c>.</param>
/// <param name="query">What the client adds to every request, e.g. <c>&amp;b64=1</c> or <c>&amp;j=3</c>.</param>
public sealed class V3Polling(string baseUrl, string path = "/engine.io/", string query = "&b64=1") : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Eventually.Limit };

    /// <summary>The polling URL for <paramref name="sid"/>, or for a handshake when null.</summary>
    public string Url(string? sid = null) =>
        $"{baseUrl}{path}?EIO=3&transport=polling{query}" + (sid is null ? "" : $"&sid={sid}");

    /// <summary>Sends a GET (a handshake when <paramref name="sid"/> is null, else a poll).</summary>
    public async Task<HttpAnswer> GetAsync(string? sid = null, CancellationToken cancellation = default)
    {
        using var response = await _http.GetAsync(Url(sid), cancellation);
        return await AnswerAsync(response);
    }

    /// <summary>Sends a POST with a text body, encoded as UTF-8.</summary>
    public Task<HttpAnswer> PostAsync(string sid, string body, string contentType = "text/plain;charset=UTF-8") =>
        PostAsync(sid, Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>Sends a POST with the exact bytes given.</summary>
    public async Task<HttpAnswer> PostAsync(string sid, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await _http.PostAsync(Url(sid), content);
        return await AnswerAsync(response);
    }

    /// <summary>Polls and returns the packets of a text-form answer.</summary>
    public async Task<List<string>> PollAsync(string sid)
    {
        var answer = await GetAsync(sid);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.ContentType, Does.StartWith("text/plain"), answer.ToString());
        return V3Payload.Decode(answer.Text);
    }

    /// <summary>Posts packets in the text form and expects <c>ok</c>.</summary>
    public async Task SendAsync(string sid, params string[] packets)
    {
        var answer = await PostAsync(sid, V3Payload.Encode(packets));
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.Text, Is.EqualTo("ok"));
    }

    /// <summary>
    /// Opens a session whose handshake answer is in the text form; returns its sid and the packets
    /// that followed the open packet in the same answer.
    /// </summary>
    public async Task<(string Sid, List<string> After)> OpenAsync()
    {
        var answer = await GetAsync();
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        var packets = V3Payload.Decode(answer.Text);
        Assert.That(packets[0], Does.StartWith("0{"));
        return ((string)JObject.Parse(packets[0][1..])["sid"]!, packets.Skip(1).ToList());
    }

    private static async Task<HttpAnswer> AnswerAsync(HttpResponseMessage response) =>
        new(response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsByteArrayAsync());

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
