using System.Net;
using System.Text;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Messages over Engine.IO v3 long-polling through a raw echo: the <c>length:packet</c> text form,
/// base64 binary for <c>b64=1</c> clients, the XHR2 binary form for the others, and invalid input.
/// </summary>
public sealed class EngineV3PollingMessageTests
{
    private const string OctetStream = "application/octet-stream";

    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await EngineEcho.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task One_text_packet_is_echoed_in_the_text_form()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var post = await http.PostAsync(sid, "6:4hello");
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(post.Text, Is.EqualTo("ok"));
        var poll = await http.GetAsync(sid);
        Assert.That(poll.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(poll.Text, Is.EqualTo("6:4hello"));
    }

    [Test]
    public async Task Several_text_packets_in_one_post_come_back_in_one_poll_in_order()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "4test1", "4test2", "4test3");
        Assert.That((await http.GetAsync(sid)).Text, Is.EqualTo("6:4test16:4test26:4test3"));
    }

    [Test]
    public async Task A_b64_client_gets_binary_back_as_b4_and_base64_in_the_text_form()
    {
        using var http = new V3Polling(_server.Url, query: "&b64=1");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "4hello", "b4AQIDBA==");
        var poll = await http.GetAsync(sid);
        Assert.That(poll.ContentType, Does.StartWith("text/plain"));
        Assert.That(poll.Text, Is.EqualTo("6:4hello10:b4AQIDBA=="));
    }

    [Test]
    public async Task A_client_without_b64_gets_a_payload_holding_binary_in_the_XHR2_binary_form()
    {
        using var http = new V3Polling(_server.Url, query: "");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "4hello", "b4AQIDBA==");
        var poll = await http.GetAsync(sid);
        Assert.That(poll.ContentType, Is.EqualTo(OctetStream));
        // Text record: 0, length 6, 0xFF, "4hello"; binary record: 1, length 5, 0xFF, type 4 then the bytes.
        Assert.That(poll.Body, Is.EqualTo(new byte[] { 0, 6, 255, (byte)'4', (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', 1, 5, 255, 4, 1, 2, 3, 4 }));
    }

    [Test]
    public async Task A_client_may_post_in_the_XHR2_binary_form_with_text_records_in_plain_UTF8()
    {
        using var http = new V3Polling(_server.Url, query: "");
        var (sid, _) = await http.OpenAsync();
        var body = V3Payload.EncodeBinary(BinaryRecord.Text("4hello"), BinaryRecord.Binary(4, 1, 2, 3, 4), BinaryRecord.Text("4€"));
        var post = await http.PostAsync(sid, body, OctetStream);
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());
        Assert.That(post.Text, Is.EqualTo("ok"));

        var poll = await http.GetAsync(sid);
        Assert.That(poll.ContentType, Is.EqualTo(OctetStream));
        var records = V3Payload.DecodeBinary(poll.Body);
        Assert.That(records.Select(r => r.ToString()), Is.EqualTo(new[] { "4hello", "<binary 0401020304>", "4€" }));
        // The length of a text record counts bytes: "4€" is 1 + 3.
        Assert.That(records[2].Data, Has.Length.EqualTo(4));
    }

    [Test]
    public async Task The_length_prefix_counts_UTF16_code_units_not_bytes()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        // "€" is one UTF-16 unit (three UTF-8 bytes); "😀" is a surrogate pair, two units (four bytes).
        var post = await http.PostAsync(sid, "2:4€3:4😀10:4€😀 mixed");
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.OK), post.ToString());
        Assert.That((await http.GetAsync(sid)).Text, Is.EqualTo("2:4€3:4😀10:4€😀 mixed"));
    }

    [Test]
    public async Task A_length_that_counts_bytes_instead_of_UTF16_code_units_is_an_invalid_payload()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var post = await http.PostAsync(sid, "4:4€");
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await http.GetAsync(sid)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [TestCase("abc")]
    [TestCase("6:4hello3")]
    [TestCase("7:4hello")]
    [TestCase("1:9")]
    public async Task An_invalid_payload_is_refused_and_closes_the_session(string body)
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var post = await http.PostAsync(sid, body);
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.BadRequest), post.ToString());
        var poll = await http.GetAsync(sid);
        Assert.That(poll.Status, Is.EqualTo(HttpStatusCode.BadRequest), "the session is gone");
        Assert.That(poll.Text, Is.EqualTo("{\"code\":1,\"message\":\"Session ID unknown\"}"));
    }

    [Test]
    public async Task A_second_poll_while_one_is_pending_ends_the_first_with_a_close_and_closes_the_session()
    {
        // The official suite skips this case (a CORS problem in browsers), but it is part of the protocol.
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var first = http.GetAsync(sid);
        await Task.Delay(200);
        var second = http.GetAsync(sid);
        // Under load the second request may reach the server first; then the roles swap.
        var answers = (await Task.WhenAll(first, second).Within()).OrderBy(a => a.Status).ToList();
        Assert.That(answers[0].Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answers[0].Text, Is.EqualTo("1:1"));
        Assert.That(answers[1].Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await http.GetAsync(sid)).Status, Is.EqualTo(HttpStatusCode.BadRequest), "the session is gone");
    }

    [Test]
    public async Task A_post_over_maxPayload_is_refused_with_413()
    {
        using var http = new V3Polling(_server.Url);
        var (sid, _) = await http.OpenAsync();
        var packet = "4" + new string('x', 1_000_000);
        var post = await http.PostAsync(sid, V3Payload.Encode(packet));
        Assert.That(post.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task A_legacy_timestamp_makes_even_text_answers_use_the_binary_form()
    {
        // engine.io-client up to 1.5 (socket.io-client 1.3.5) stamps requests "<ms>-<n>" and reads
        // anything but application/octet-stream as a parse error, so it gets the binary form.
        using var http = new V3Polling(_server.Url, query: "&t=1432112545000-0");
        var handshake = await http.GetAsync();
        Assert.That(handshake.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(handshake.ContentType, Is.EqualTo(OctetStream));
        var open = V3Payload.DecodeBinary(handshake.Body).Single();
        Assert.That(open.IsBinary, Is.False);
        var openText = Encoding.UTF8.GetString(open.Data);
        Assert.That(openText, Does.StartWith("0{\"sid\":"));
        var sid = (string)Newtonsoft.Json.Linq.JObject.Parse(openText[1..])["sid"]!;

        await http.SendAsync(sid, "4hello");
        var poll = await http.GetAsync(sid);
        Assert.That(poll.ContentType, Is.EqualTo(OctetStream));
        Assert.That(poll.Body, Is.EqualTo(V3Payload.EncodeBinary(BinaryRecord.Text("4hello"))));
    }

    [Test]
    public async Task A_modern_timestamp_keeps_text_answers_in_the_text_form()
    {
        // engine.io-client 1.6+ uses yeast ids such as "LqyJ8Xo"; only the old "<ms>-<n>" form is legacy.
        using var http = new V3Polling(_server.Url, query: "&t=LqyJ8Xo");
        var (sid, _) = await http.OpenAsync();
        await http.SendAsync(sid, "4hello");
        var poll = await http.GetAsync(sid);
        Assert.That(poll.ContentType, Does.StartWith("text/plain"));
        Assert.That(poll.Text, Is.EqualTo("6:4hello"));
    }
}
