using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SocketIoChat.SocketIo;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Options the server cannot work with stop the start with a message naming the configuration key
/// and the value; lists from configuration replace the defaults; MapSocketIo without AddSocketIo
/// says what is missing.
/// </summary>
public sealed class OptionsValidationTests
{
    [TestCase("SocketIo:PingInterval", "00:00:00", "SocketIo:PingInterval must be greater than zero (was 00:00:00).")]
    [TestCase("SocketIo:PingTimeout", "-00:00:01", "SocketIo:PingTimeout must be greater than zero (was -00:00:01).")]
    [TestCase("SocketIo:AckTimeout", "00:00:00", "SocketIo:AckTimeout must be greater than zero (was 00:00:00).")]
    [TestCase("SocketIo:MaxHttpBufferSize", "0", "SocketIo:MaxHttpBufferSize must be greater than zero (was 0).")]
    [TestCase("SocketIo:MaxQueuedPackets", "-5", "SocketIo:MaxQueuedPackets must be greater than zero (was -5).")]
    [TestCase("SocketIo:MaxAttachments", "-1", "SocketIo:MaxAttachments must be 0 or more (was -1).")]
    [TestCase("SocketIo:Transports:0", "websockets", "SocketIo:Transports:0 must be polling or websocket (was 'websockets').")]
    [TestCase("SocketIo:PerMessageDeflate:ServerMaxWindowBits", "20", "SocketIo:PerMessageDeflate:ServerMaxWindowBits must be from 9 to 15 (was 20).")]
    [TestCase("SocketIo:AllowedOrigins:0", "https://example.com/",
        "SocketIo:AllowedOrigins:0 must be '*', 'null' or an origin as browsers send it, scheme://host[:port] without a default port, path or trailing slash (was 'https://example.com/').")]
    [TestCase("SocketIo:AllowedOrigins:0", "https://example.com:443",
        "SocketIo:AllowedOrigins:0 must be '*', 'null' or an origin as browsers send it, scheme://host[:port] without a default port, path or trailing slash (was 'https://example.com:443').")]
    public void A_wrong_value_in_configuration_stops_the_start_naming_its_key(string key, string value, string message)
    {
        var failure = Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { [key] = value }));
        Assert.That(failure!.Failures, Is.EqualTo(new[] { message }));
    }

    [Test]
    public void Every_wrong_value_is_reported_at_once()
    {
        var failure = Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["SocketIo:PingTimeout"] = "00:00:00",
            ["SocketIo:Transports:0"] = "polling",
            ["SocketIo:Transports:1"] = "polling",
        }));
        Assert.That(failure!.Failures, Is.EquivalentTo(new[]
        {
            "SocketIo:PingTimeout must be greater than zero (was 00:00:00).",
            "SocketIo:Transports:1 repeats 'polling'.",
        }));
    }

    [Test]
    public void Values_set_in_code_are_validated_too()
    {
        var failure = Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync([], o => o.Transports = []));
        Assert.That(failure!.Failures, Is.EqualTo(new[] { "SocketIo:Transports must list at least one of polling, websocket." }));
    }

    [Test]
    public async Task Valid_origins_and_the_default_values_start()
    {
        await using var server = await StartAsync(new()
        {
            ["SocketIo:AllowedOrigins:0"] = "https://chat.example:8443",
            ["SocketIo:AllowedOrigins:1"] = "null",
            ["SocketIo:AllowedOrigins:2"] = "capacitor://localhost",
        });
        using var http = new EngineHttp(server.Url, "/socket.io/");
        Assert.That((await http.GetAsync(http.PollingUrl())).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Transports_from_configuration_replace_the_default_list()
    {
        // The binder alone appended: polling, websocket, websocket, and polling stayed allowed.
        await using var server = await StartAsync(new() { ["SocketIo:Transports:0"] = "websocket" });
        await EngineOptionsTests.ExpectWebSocketOnlyAsync(server);
    }

    [Test]
    public void MapSocketIo_without_AddSocketIo_says_what_is_missing()
    {
        var failure = Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartLibraryAsync(_ => { }, app => app.MapSocketIo()));
        Assert.That(failure!.Message, Is.EqualTo("MapSocketIo needs the Socket.IO services: call builder.Services.AddSocketIo() before builder.Build()."));
    }

    private static Task<TestServer> StartAsync(Dictionary<string, string?> configuration, Action<SocketIoOptions>? configure = null) =>
        TestServer.StartLibraryAsync(
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(configuration);
                builder.Services.AddSocketIo(configure);
            },
            app => app.MapSocketIo());
}
