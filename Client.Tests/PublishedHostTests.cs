using System.Net;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The host as it is deployed: <c>dotnet publish</c> into a folder outside the repository, run from
/// another folder, with nothing of the build tree around (no SDK-time paths): it must serve the
/// seed page, the chat, the client bundle and its health endpoint, and keep the chat's database
/// where configuration says.
/// </summary>
public sealed class PublishedHostTests
{
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(8);

    [Test]
    public async Task The_publish_output_runs_from_a_clean_folder_and_serves_the_page_the_chat_and_the_client_bundle()
    {
        var root = Directory.CreateTempSubdirectory("socketiochat-publish-");
        try
        {
            var app = Path.Combine(root.FullName, "app");
            await PublishAsync(app);
            var elsewhere = Directory.CreateDirectory(Path.Combine(root.FullName, "run")).FullName;
            var database = Path.Combine(root.FullName, "data", "chat.db");
            Directory.CreateDirectory(Path.GetDirectoryName(database)!);

            await using var host = await HostProcess.StartFromAsync(Path.Combine(app, "SocketIoChat.Host.dll"), elsewhere, "--Chat:Database", database);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

            var page = await GetAsync(http, host.Url + "/");
            Assert.That(page, Does.Contain("socket.io"), "the seed page");
            var chat = await GetAsync(http, host.Url + "/chat/");
            Assert.That(chat, Does.Contain("<div id=\"root\""), "the chat's page");
            var script = System.Text.RegularExpressions.Regex.Match(chat, "src=\"(/chat/assets/[^\"]+\\.js)\"").Groups[1].Value;
            Assert.That(script, Is.Not.Empty, "the chat page names its script");
            Assert.That(await GetAsync(http, host.Url + script), Is.Not.Empty, "the chat's script");
            Assert.That(await GetAsync(http, host.Url + "/socket.io/socket.io.js"), Does.Contain("Socket.IO v4"), "the client bundle");
            Assert.That(await GetAsync(http, host.Url + "/healthz"), Is.EqualTo("Healthy"));
            Assert.That(await GetAsync(http, host.Url + "/socket.io/?EIO=4&transport=polling"), Does.StartWith("0{\"sid\":"));
            Assert.That(File.Exists(database), Is.True, "the chat's database where configuration put it");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static async Task<string> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task PublishAsync(string output)
    {
        var project = Path.Combine(Path.GetDirectoryName(NodeRunner.NodeDirectory)!, "..", "Server", "Host", "SocketIoChat.Host.csproj");
        return Command.RunAsync(Path.GetTempPath(), PublishLimit, "dotnet", "publish", Path.GetFullPath(project), "-c", "Release", "-o", output, "-v", "q", "-nologo");
    }
}
