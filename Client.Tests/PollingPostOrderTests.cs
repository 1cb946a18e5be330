using System.Net;
using System.Text.RegularExpressions;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// A client may send its next POST as soon as it sees the effect of the previous one, before that
/// POST's "ok" (SocketIOClient 3.0.6 emits right after the CONNECT answer arrives on the poll
/// while its CONNECT POST is still open). The Node reference handles a POST's packets and answers
/// it in one turn of its event loop, so such a POST is never an overlap there: it is handled after
/// the previous one, including the synchronous part of the connection handler.
/// </summary>
public sealed partial class PollingPostOrderTests
{
    [TestCase("3")]
    [TestCase("4")]
    public async Task A_post_sent_after_the_connect_answer_but_before_the_connect_posts_ok_is_handled_after_it(string eio)
    {
        await using var server = await TestServer.StartAsync("default");
        using var gate = new ManualResetEventSlim();
        server.Io.Of("/slow-connect").OnConnection(socket =>
        {
            // A connection handler that is slow in its synchronous part (blocking on purpose): the
            // event below may only be handled once it has registered "hello".
            gate.Wait(Eventually.Limit);
            socket.On("hello", e => socket.Emit("hello-back", e.Args.Cast<object?>().ToArray()));
        });
        using var http = new EngineHttp(server.Url, "/socket.io/");
        var (_, handshake) = await http.GetAsync(http.PollingUrl(null, eio));
        var sid = SidPattern().Match(handshake).Groups[1].Value;
        var url = http.PollingUrl(sid, eio);

        var poll = PollUntilAsync(http, url, "40/slow-connect");
        var connectPost = http.PostAsync(url, Frame(eio, "40/slow-connect,"));
        await poll.Within();
        // The connection handler is now blocked inside the CONNECT POST.
        var eventPost = http.PostAsync(url, Frame(eio, "42/slow-connect,[\"hello\",1]"));
        // Long enough for the event POST to reach the server on a slow machine; a server that calls
        // it an overlap answers it at once (400, and the session is gone).
        await Task.WhenAny(eventPost, Task.Delay(TimeSpan.FromSeconds(1)));
        gate.Set();

        Assert.That(await connectPost.Within(), Is.EqualTo((HttpStatusCode.OK, "ok")), "the CONNECT POST");
        Assert.That(await eventPost.Within(), Is.EqualTo((HttpStatusCode.OK, "ok")), "the event POST");
        await PollUntilAsync(http, url, "42/slow-connect,[\"hello-back\",1]").Within();
    }

    /// <summary>Polls until a response contains <paramref name="expected"/>; fails on an error status.</summary>
    private static async Task PollUntilAsync(EngineHttp http, string url, string expected)
    {
        while (true)
        {
            var (status, body) = await http.GetAsync(url);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
            if (body.Contains(expected, StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    // EIO=3 frames a polling payload as <length>:<packet>; EIO=4 sends a single packet as it is.
    private static string Frame(string eio, string packet) => eio == "3" ? $"{packet.Length}:{packet}" : packet;

    [GeneratedRegex("\"sid\":\"([^\"]+)\"")]
    private static partial Regex SidPattern();
}
