using System.Net;

namespace SocketIoChat.Tests.Support;

/// <summary>Engine.IO v4 polling payloads, and polls that keep the heartbeat going.</summary>
public static class EnginePolling
{
    /// <summary>The record separator between the packets of an EIO=4 polling payload.</summary>
    public const char Separator = '\u001e';

    /// <summary>Splits a polling payload into its packets.</summary>
    public static string[] Records(string body) => body.Split(Separator);

    /// <summary>Joins packets into a polling payload.</summary>
    public static string Payload(params string[] packets) => string.Join(Separator, packets);

    /// <summary>
    /// Polls until a response brings packets other than pings, answering every ping with a pong
    /// so the session survives a slow machine; returns the other packets in order.
    /// </summary>
    public static async Task<string[]> PollSkippingPingsAsync(this EngineHttp http, string sid)
    {
        var deadline = DateTime.UtcNow + Eventually.Limit;
        while (true)
        {
            var (status, body) = await http.GetAsync(http.PollingUrl(sid));
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body);
            var records = Records(body);
            if (records.Contains("2"))
            {
                var (pongStatus, pongBody) = await http.PostAsync(http.PollingUrl(sid), "3");
                Assert.That(pongStatus, Is.EqualTo(HttpStatusCode.OK), pongBody);
            }
            var others = records.Where(r => r != "2").ToArray();
            if (others.Length > 0)
            {
                return others;
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "only pings arrived");
        }
    }

    /// <summary>Asserts an Engine.IO error answer: HTTP 400 and exactly the reference server's JSON body.</summary>
    public static void AssertEngineError((HttpStatusCode Status, string Body) response, int code, string message)
    {
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest), response.Body);
            Assert.That(response.Body, Is.EqualTo($"{{\"code\":{code},\"message\":\"{message}\"}}"));
        });
    }
}
