using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SocketIoChat.Host;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Tests.Support;

/// <summary>The real host on a free loopback port, started with a profile, for one test or fixture.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebApplication app, string url)
    {
        App = app;
        Url = url;
    }

    /// <summary>The running application.</summary>
    public WebApplication App { get; }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    /// <summary>Base address with the <c>ws</c> scheme.</summary>
    public string WsUrl => "ws" + Url[4..];

    /// <summary>The Socket.IO server inside the app.</summary>
    public SocketIoServer Io => App.Services.GetRequiredService<SocketIoServer>();

    /// <summary>Starts the host with <paramref name="profile"/> ("default" or "conformance").</summary>
    public static Task<TestServer> StartAsync(string profile = "conformance", params string[] extraArgs) =>
        StartAsync(profile, configure: null, extraArgs);

    /// <summary>
    /// Starts the host with <paramref name="profile"/>, letting <paramref name="configure"/> add to
    /// its builder (e.g. <see cref="CapturedLogs"/>).
    /// </summary>
    public static async Task<TestServer> StartAsync(string profile, Action<WebApplicationBuilder>? configure, params string[] extraArgs)
    {
        // The default profile includes the chat; its database stays out of the user's data folder.
        string[] chatDatabase = profile == "default" && !extraArgs.Contains("--Chat:Database")
            ? ["--Chat:Database", Path.Combine(Path.GetTempPath(), "socketiochat-tests", "shared-chat.db")]
            : [];
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--profile", profile,
            "--Logging:LogLevel:Default", "Warning",
            .. chatDatabase,
            .. extraArgs,
        ];
        return await StartAsync(SocketIoChatApp.Build(args, configure));
    }

    /// <summary>
    /// Starts an application built directly on the library (not the host), for options the
    /// profiles do not cover.
    /// </summary>
    public static Task<TestServer> StartLibraryAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]);
        configure(builder);
        var app = builder.Build();
        map(app);
        return StartAsync(app);
    }

    private static async Task<TestServer> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, address.TrimEnd('/'));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(stop.Token);
        await App.DisposeAsync();
    }
}
