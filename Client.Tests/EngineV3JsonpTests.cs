using System.Net;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// JSONP polling (<c>j=N</c>), for browsers without CORS: answers are a script calling
/// <c>___eio[N]("payload")</c>, posts are forms with the payload in <c>d</c>.
/// </summary>
public sealed partial class EngineV3JsonpTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await EngineEcho.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [GeneratedRegex(@"^___eio\[(\d+)\]\((.*)\);$", RegexOptions.Singleline)]
    private static partial Regex Script();

    /// <summary>Runs the script the way a browser would see it: the callback index and the string argument.</summary>
    private static (string Index, string Payload) ReadScript(HttpAnswer answer)
    {
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.ContentType, Does.StartWith("text/javascript"));
        var match = Script().Match(answer.Text);
        Assert.That(match.Success, Is.True, $"not a JSONP call: {answer.Text}");
        // The argument is a JavaScript string literal; JSON string syntax is a subset of it.
        var literal = System.Text.Json.JsonSerializer.Deserialize<string>(match.Groups[2].Value);
        Assert.That(literal, Is.Not.Null);
        return (match.Groups[1].Value, literal!);
    }

    /// <summary>
    /// Escapes newlines as engine.io-client's JSONP transport does before putting the payload in a
    /// form field: an already escaped <c>\n</c> becomes <c>\\n</c>, a real newline becomes <c>\n</c>.
    /// </summary>
    private static string EscapeNewlines(string payload) => payload.Replace("\\n", "\\\\n").Replace("\n", "\\n");

    private static string Form(string payload) => "d=" + Uri.EscapeDataString(EscapeNewlines(payload));

    private const string FormType = "application/x-www-form-urlencoded";

    private async Task<(V3Polling Http, string Sid)> OpenAsync()
    {
        var http = new V3Polling(_server.Url, query: "&j=3");
        var (index, payload) = ReadScript(await http.GetAsync());
        Assert.That(index, Is.EqualTo("3"));
        var open = V3Payload.Decode(payload).Single();
        Assert.That(open, Does.StartWith("0{"));
        return (http, (string)JObject.Parse(open[1..])["sid"]!);
    }

    [Test]
    public async Task The_handshake_is_a_script_calling_the_given_index_with_the_text_payload()
    {
        var (http, sid) = await OpenAsync();
        using var _ = http;
        Assert.That(sid, Is.Not.Empty);
    }

    [Test]
    public async Task A_form_post_is_echoed_back_in_the_next_script()
    {
        var (http, sid) = await OpenAsync();
        using var _ = http;
        var post = await http.PostAsync(sid, Form(V3Payload.Encode("4hello", "4中文 😀")), FormType);
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());
        Assert.That(post.Text, Is.EqualTo("ok"));
        var (index, payload) = ReadScript(await http.GetAsync(sid));
        Assert.That(index, Is.EqualTo("3"));
        Assert.That(V3Payload.Decode(payload), Is.EqualTo(new[] { "4hello", "4中文 😀" }));
    }

    [Test]
    public async Task Escaped_newlines_in_the_form_are_restored_and_literal_backslash_n_survives()
    {
        var (http, sid) = await OpenAsync();
        using var _ = http;
        var packets = new[] { "4line one\nline two", "4a literal \\n stays" };
        var post = await http.PostAsync(sid, Form(V3Payload.Encode(packets)), FormType);
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());
        var (_, payload) = ReadScript(await http.GetAsync(sid));
        Assert.That(V3Payload.Decode(payload), Is.EqualTo(packets));
    }

    [Test]
    public async Task A_form_encoded_by_the_browser_with_plus_for_space_is_decoded()
    {
        // The client posts through a hidden HTML form, and browsers encode a space as "+" there.
        var (http, sid) = await OpenAsync();
        using var _ = http;
        var packet = "4a b+c&d=e";
        var post = await http.PostAsync(sid, "d=" + WebUtility.UrlEncode(EscapeNewlines(V3Payload.Encode(packet))), FormType);
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());
        var (_, payload) = ReadScript(await http.GetAsync(sid));
        Assert.That(V3Payload.Decode(payload), Is.EqualTo(new[] { packet }));
    }

    [Test]
    public async Task Binary_goes_to_a_JSONP_client_as_base64()
    {
        var (http, sid) = await OpenAsync();
        using var _ = http;
        await http.PostAsync(sid, Form(V3Payload.Encode("b4AQIDBA==")), FormType);
        var (_, payload) = ReadScript(await http.GetAsync(sid));
        Assert.That(payload, Is.EqualTo("10:b4AQIDBA=="));
    }

    [Test]
    public async Task Script_breaking_characters_in_a_message_stay_inside_the_string_literal()
    {
        var (http, sid) = await OpenAsync();
        using var _ = http;
        var packet = "4\");alert(1);// \u2028 </script>";
        await http.PostAsync(sid, Form(V3Payload.Encode(packet)), FormType);
        var answer = await http.GetAsync(sid);
        // U+2028 ends a line in older JavaScript engines even inside a string, so it must be escaped.
        Assert.That(answer.Text, Does.Not.Contain("\u2028"));
        var (_, payload) = ReadScript(answer);
        Assert.That(V3Payload.Decode(payload), Is.EqualTo(new[] { packet }));
    }

    [Test]
    public async Task Only_the_digits_of_j_go_into_the_callback()
    {
        using var http = new V3Polling(_server.Url, query: "&j=" + Uri.EscapeDataString("1]);alert(2);//"));
        var (index, _) = ReadScript(await http.GetAsync());
        Assert.That(index, Is.EqualTo("12"));
    }
}
