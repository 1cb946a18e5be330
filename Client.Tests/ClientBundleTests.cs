using System.Net;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// The socket.io-client bundle a library user gets at <c>/socket.io/socket.io.js</c> with nothing
/// beside the app: embedded in the library, cached by browsers through its ETag, replaceable by a
/// folder of the application's choice.
/// </summary>
public sealed class ClientBundleTests
{
    [Test]
    public async Task The_embedded_bundle_is_served_with_an_ETag_and_revalidation_answers_304()
    {
        await using var server = await TestServer.StartLibraryAsync(builder => builder.Services.AddSocketIo(), app => app.MapSocketIo());
        using var http = new HttpClient();

        using var first = await http.GetAsync(server.Url + "/socket.io/socket.io.js");
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await first.Content.ReadAsStringAsync(), Does.Contain("Socket.IO v4."));
        Assert.That(first.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/javascript"));
        Assert.That(first.Headers.CacheControl?.Public, Is.True);
        Assert.That(first.Headers.CacheControl?.MaxAge, Is.EqualTo(TimeSpan.Zero));
        var etag = first.Headers.ETag;
        Assert.That(etag, Is.Not.Null);

        using var again = new HttpRequestMessage(HttpMethod.Get, server.Url + "/socket.io/socket.io.js");
        again.Headers.IfNoneMatch.Add(etag!);
        using var revalidated = await http.SendAsync(again);
        Assert.That(revalidated.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(revalidated.Headers.ETag, Is.EqualTo(etag));

        foreach (var file in new[] { "socket.io.min.js", "socket.io.js.map", "socket.io.min.js.map" })
        {
            using var other = await http.GetAsync(server.Url + "/socket.io/" + file);
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.OK), file);
            Assert.That(other.Headers.ETag, Is.Not.EqualTo(etag), file + " has its own tag");
        }
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, server.Url + "/socket.io/socket.io.min.js"));
        Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(head.Content.Headers.ContentLength, Is.GreaterThan(1000));
    }

    [Test]
    public async Task A_ClientScriptDirectory_replaces_the_embedded_bundle()
    {
        var folder = Directory.CreateTempSubdirectory("socketiochat-bundle-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "socket.io.js"), "/* our own build */");
            await using var server = await TestServer.StartLibraryAsync(
                builder => builder.Services.AddSocketIo(o => o.ClientScriptDirectory = folder.FullName), app => app.MapSocketIo());
            using var http = new HttpClient();

            Assert.That(await http.GetStringAsync(server.Url + "/socket.io/socket.io.js"), Is.EqualTo("/* our own build */"));
            using var missing = await http.GetAsync(server.Url + "/socket.io/socket.io.min.js");
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "not in the folder, and the folder replaces the bundle");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
