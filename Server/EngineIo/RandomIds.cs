using System.Buffers.Text;
using System.Security.Cryptography;

namespace SocketIoChat.EngineIo;

/// <summary>Unguessable ids (20 URL-safe characters from 15 random bytes) for sessions and sockets.</summary>
internal static class RandomIds
{
    private const int IdBytes = 15;
    private const int IdsPerFill = 64;

    // Random bytes drawn from the system's CSPRNG in batches (one call per 64 ids instead of one per
    // id: a measurable share of the connect path); each thread uses its own batch, never twice.
    [ThreadStatic]
    private static byte[]? t_batch;

    [ThreadStatic]
    private static int t_used;

    public static string New()
    {
        var batch = t_batch ??= new byte[IdBytes * IdsPerFill];
        if (t_used == 0)
        {
            RandomNumberGenerator.Fill(batch);
        }
        var id = Base64Url.EncodeToString(batch.AsSpan(t_used * IdBytes, IdBytes));
        // Spent bytes are wiped, so a batch never holds an id that was handed out.
        batch.AsSpan(t_used * IdBytes, IdBytes).Clear();
        t_used = (t_used + 1) % IdsPerFill;
        return id;
    }
}
