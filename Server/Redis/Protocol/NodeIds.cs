using System.Security.Cryptography;

namespace SocketIoChat.Redis.Protocol;

/// <summary>Random ids in the URL-safe alphabet (<c>A–Z a–z 0–9 - _</c>), like Node's <c>uid2</c>.</summary>
internal static class NodeIds
{
    /// <summary>Length of an adapter uid, as <c>uid2(6)</c> in <c>@socket.io/redis-adapter</c> (e.g. <c>VZeF56</c>).</summary>
    public const int UidLength = 6;

    /// <summary>
    /// Length of a request id. Node uses <c>uid2(6)</c>, but every node sees every response on the common channel and
    /// matches it by request id only, so ours are longer (96 random bits) to never collide with another node's.
    /// </summary>
    public const int RequestIdLength = 16;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>A new adapter uid (6 characters).</summary>
    public static string NewUid() => New(UidLength);

    /// <summary>A new request id (16 characters).</summary>
    public static string NewRequestId() => New(RequestIdLength);

    /// <summary><paramref name="length"/> random URL-safe characters (6 random bits each).</summary>
    public static string New(int length) => string.Create(length, 0, static (chars, _) =>
    {
        Span<byte> bytes = stackalloc byte[chars.Length];
        RandomNumberGenerator.Fill(bytes);
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[bytes[i] & 63];
        }
    });
}
