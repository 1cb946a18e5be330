using System.Threading.RateLimiting;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// <c>socket.UseRateLimiter</c>, the lambda-style rate limit: events past the limiter's permits are
/// not run and the client is told <c>rate_limited</c> through the ack, or else by the
/// <c>exception</c> event; events the filter leaves out are not limited.
/// </summary>
public sealed class SocketRateLimiterTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() =>
        _server = await TestServer.StartLibraryAsync(
            builder => builder.Services.AddSocketIo(),
            app => app.MapSocketIo("/socket.io", io => io.Of("/lambda").OnConnection(socket =>
            {
                // Two permits for the socket's lifetime (no replenishment), so the test needs no timing.
                socket.UseRateLimiter(
                    new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = 2,
                        Window = TimeSpan.FromHours(1),
                        QueueLimit = 0,
                        AutoReplenishment = false,
                    }),
                    e => e.Name == "limited");
                socket.On("limited", e => e.Ack("ran"));
                socket.On("free", e => e.Ack("free"));
            })));

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Events_past_the_permits_are_refused_with_rate_limited_and_others_still_run()
    {
        await using var client = await SioClient.ConnectAsync(_server, "/lambda");
        Assert.That((await client.EmitWithAckAsync("limited")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"ran\"]"));
        Assert.That((await client.EmitWithAckAsync("limited")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"ran\"]"));

        var refused = await client.EmitWithAckAsync("limited").Within(Eventually.Limit);
        Assert.That((string?)refused[0]["error"], Is.EqualTo(SocketIoErrors.RateLimited));
        Assert.That((string?)refused[0]["event"], Is.EqualTo("limited"));

        Assert.That((await client.EmitWithAckAsync("free")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"free\"]"), "not limited by the filter");

        await client.EmitAsync("limited");
        var (_, name, args) = await client.NextEventAsync().Within(Eventually.Limit);
        Assert.That((name, (string?)args[0]["error"]), Is.EqualTo(("exception", SocketIoErrors.RateLimited)), "without an ack the refusal is an event");
    }

    [Test]
    public async Task Each_socket_has_its_own_permits()
    {
        await using var first = await SioClient.ConnectAsync(_server, "/lambda");
        await first.EmitWithAckAsync("limited");
        await first.EmitWithAckAsync("limited");
        await using var second = await SioClient.ConnectAsync(_server, "/lambda");
        Assert.That((await second.EmitWithAckAsync("limited")).ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"ran\"]"));
    }
}
