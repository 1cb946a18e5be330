using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>
/// One file of the socket.io-client bundle served at <c>{path}/{name}</c>: from the assembly's
/// embedded copy, or from <c>ClientScriptDirectory</c> when the application gives one. Like the
/// reference server, it answers with an ETag and <c>Cache-Control: public, max-age=0</c>, so browsers
/// keep a copy and revalidate it (304 when unchanged).
/// </summary>
internal sealed class ClientBundle
{
    public static readonly string[] Files = ["socket.io.js", "socket.io.min.js", "socket.io.js.map", "socket.io.min.js.map"];

    private readonly Lazy<(byte[] Content, EntityTagHeaderValue ETag)?> _file;
    private readonly string _contentType;

    public ClientBundle(string name, string? directory)
    {
        _contentType = name.EndsWith(".map", StringComparison.Ordinal) ? "application/json" : "application/javascript; charset=utf-8";
        _file = new Lazy<(byte[], EntityTagHeaderValue)?>(() => Load(name, directory));
    }

    public async Task ServeAsync(HttpContext context)
    {
        var response = context.Response;
        if (_file.Value is not { } file)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var headers = response.GetTypedHeaders();
        headers.ETag = file.ETag;
        headers.CacheControl = new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.Zero };
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Compare(file.ETag, useStrongComparison: false) || tag.Equals(EntityTagHeaderValue.Any)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.ContentType = _contentType;
        response.ContentLength = file.Content.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(file.Content, context.RequestAborted);
        }
    }

    private static (byte[], EntityTagHeaderValue)? Load(string name, string? directory)
    {
        byte[]? content;
        if (directory is not null)
        {
            var path = Path.Combine(directory, name);
            content = File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        else
        {
            using var stream = typeof(ClientBundle).Assembly.GetManifestResourceStream("SocketIoClient/" + name);
            if (stream is null)
            {
                content = null;
            }
            else
            {
                content = new byte[stream.Length];
                stream.ReadExactly(content);
            }
        }
        if (content is null)
        {
            return null;
        }
        // The content's hash: a new bundle (another client version) is a new tag.
        var tag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"");
        return (content, tag);
    }
}
