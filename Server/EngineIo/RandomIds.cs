using System.Buffers.Text;
using System.Security.Cryptography;

namespace SocketIoChat.EngineIo;

/// <summary>Unguessable ids (20 URL-safe characters from 15 random bytes) for sessions and sockets.</summary>
internal static class RandomIds
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
