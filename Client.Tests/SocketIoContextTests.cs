using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// <see cref="ISocketIoContext"/> and <see cref="ISocketIoContext{TNamespace}"/> emit from outside
/// any handler: minimal API endpoints hit over HTTP, and a hosted service.
/// </summary>
public sealed class SocketIoContextTests
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartLibraryAsync(
            builder =>
            {
                builder.Services.AddSocketIo().AddNamespace<NewsNamespace>();
                builder.Services.AddSingleton<Bulletin>();
                builder.Services.AddHostedService(sp => sp.GetRequiredService<Bulletin>());
            },
            app =>
            {
                app.MapSocketIo();
                app.MapPost("/publish/{topic}", (string topic, string text, ISocketIoContext<NewsNamespace> news) =>
                {
                    news.To(topic).Emit("headline", topic, text);
                    return Results.NoContent();
                });
                app.MapPost("/announce", (string text, ISocketIoContext io) =>
                {
                    io.Of("/news").Emit("announcement", text);
                    return Results.NoContent();
                });
                app.MapPost("/bulletin", (string text, Bulletin bulletin) =>
                {
                    bulletin.Post(text);
                    return Results.Accepted();
                });
            });
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task An_endpoint_emits_to_a_room_of_a_class_based_namespace_and_to_a_whole_namespace()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { sport = new { @namespace = "/news" }, weather = new { @namespace = "/news" } },
            steps = new object[]
            {
                new { client = "sport", emit = "subscribe", args = new object[] { "sport" }, ack = true, label = "s1" },
                new { client = "weather", emit = "subscribe", args = new object[] { "weather" }, ack = true, label = "s2" },
                new { fetch = "/publish/sport?text=goal", method = "POST", label = "publish" },
                new { fetch = "/announce?text=hello%20all", method = "POST", label = "announce" },
                new { client = "sport", wait = "headline", label = "headline" },
                new { client = "sport", wait = "announcement", label = "sportAnnouncement" },
                new { client = "weather", wait = "announcement", label = "weatherAnnouncement" },
            },
        });
        var results = outcome["results"]!;
        Assert.That((int)results["publish"]!["status"]!, Is.EqualTo(204));
        Assert.That(results["headline"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"sport\",\"goal\"]"));
        Assert.That(results["sportAnnouncement"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"hello all\"]"));
        Assert.That(results["weatherAnnouncement"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"hello all\"]"));
        // The announcement was emitted after the headline: a headline for "weather" would have come first.
        Assert.That(NodeSteps.EventNames(outcome, "weather"), Is.EqualTo(new[] { "announcement" }));
    }

    [Test]
    public async Task A_hosted_service_emits_through_the_context()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { reader = new { @namespace = "/news" } },
            steps = new object[]
            {
                new { fetch = "/bulletin?text=storm%20warning", method = "POST", label = "post" },
                new { client = "reader", wait = "bulletin", label = "bulletin" },
            },
        });
        Assert.That(outcome["results"]!["bulletin"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"storm warning\"]"));
    }

    [SocketIoNamespace("/news")]
    internal sealed class NewsNamespace : NamespaceHandler
    {
        [SocketIoEvent("subscribe")]
        public bool Subscribe(string topic)
        {
            Socket.Join(topic);
            return true;
        }
    }

    /// <summary>A background service that emits what it is handed, on its own loop.</summary>
    internal sealed class Bulletin(ISocketIoContext<NewsNamespace> news) : BackgroundService
    {
        private readonly System.Threading.Channels.Channel<string> _posts = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public void Post(string text) => _posts.Writer.TryWrite(text);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await foreach (var text in _posts.Reader.ReadAllAsync(stoppingToken))
            {
                news.Emit("bulletin", text);
            }
        }
    }
}
