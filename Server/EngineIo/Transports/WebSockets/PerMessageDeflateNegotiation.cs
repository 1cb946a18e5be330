using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>
/// Server side of the <c>permessage-deflate</c> negotiation (RFC 7692 §7.1): picks the first offer
/// the server can honour and answers it. Needed because the WebSocket upgrade is done by hand
/// (see <see cref="WebSocketAcceptor"/>), so ASP.NET Core's middleware does not negotiate it.
/// </summary>
internal static class PerMessageDeflateNegotiation
{
    private const string ExtensionName = "permessage-deflate";

    // The zlib behind System.Net.WebSockets accepts windows of 2^9 to 2^15 bytes.
    private const int MinWindowBits = 9;
    private const int MaxWindowBits = 15;

    /// <summary>
    /// Accepts the first acceptable offer in <paramref name="offers"/> (the request's
    /// <c>Sec-WebSocket-Extensions</c>): the deflate settings for the socket and the response header
    /// value, or false when there is no offer the server can accept.
    /// </summary>
    public static bool TryNegotiate(StringValues offers, PerMessageDeflateOptions options, out WebSocketDeflateOptions deflate, out string response)
    {
        foreach (var header in offers)
        {
            if (header is null)
            {
                continue;
            }
            foreach (var offer in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryAccept(offer, options, out deflate, out response))
                {
                    return true;
                }
            }
        }
        deflate = null!;
        response = "";
        return false;
    }

    private static bool TryAccept(string offer, PerMessageDeflateOptions options, out WebSocketDeflateOptions deflate, out string response)
    {
        deflate = null!;
        response = "";
        var parts = offer.Split(';', StringSplitOptions.TrimEntries);
        if (!string.Equals(parts[0], ExtensionName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        bool serverNoTakeover = false, clientNoTakeover = false, clientBitsOffered = false;
        int? serverBits = null, clientBits = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parts.AsSpan(1))
        {
            var equals = part.IndexOf('=');
            var name = (equals < 0 ? part : part[..equals]).Trim();
            var value = equals < 0 ? null : part[(equals + 1)..].Trim().Trim('"');
            if (!seen.Add(name))
            {
                return false; // a parameter given twice makes the offer invalid
            }
            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" when value is null:
                    serverNoTakeover = true;
                    break;
                case "client_no_context_takeover" when value is null:
                    clientNoTakeover = true;
                    break;
                case "server_max_window_bits" when TryBits(value, out var bits):
                    if (bits < MinWindowBits)
                    {
                        return false; // a window this small cannot be honoured here
                    }
                    serverBits = bits;
                    break;
                case "client_max_window_bits" when value is null:
                    clientBitsOffered = true;
                    break;
                case "client_max_window_bits" when TryBits(value, out var bits):
                    clientBitsOffered = true;
                    clientBits = bits;
                    break;
                default:
                    return false; // unknown parameter or bad value
            }
        }

        var ourServerBits = Math.Clamp(Math.Min(options.ServerMaxWindowBits, serverBits ?? MaxWindowBits), MinWindowBits, MaxWindowBits);
        serverNoTakeover |= options.ServerNoContextTakeover;
        clientNoTakeover |= options.ClientNoContextTakeover;
        // The client's window limit can be named only if the client offered the parameter; a
        // limit below what zlib here supports is left out (we then inflate with the largest window,
        // which reads anything the client sends).
        var ourClientBits = MaxWindowBits;
        var sendClientBits = false;
        if (clientBitsOffered)
        {
            var wanted = Math.Min(options.ClientMaxWindowBits, clientBits ?? MaxWindowBits);
            if (wanted >= MinWindowBits)
            {
                ourClientBits = Math.Min(wanted, MaxWindowBits);
                sendClientBits = true;
            }
        }

        deflate = new WebSocketDeflateOptions
        {
            ServerMaxWindowBits = ourServerBits,
            ServerContextTakeover = !serverNoTakeover,
            ClientMaxWindowBits = ourClientBits,
            ClientContextTakeover = !clientNoTakeover,
        };
        var text = new StringBuilder(ExtensionName);
        if (serverNoTakeover)
        {
            text.Append("; server_no_context_takeover");
        }
        if (clientNoTakeover)
        {
            text.Append("; client_no_context_takeover");
        }
        if (serverBits is not null || ourServerBits < MaxWindowBits)
        {
            text.Append(CultureInfo.InvariantCulture, $"; server_max_window_bits={ourServerBits}");
        }
        if (sendClientBits)
        {
            text.Append(CultureInfo.InvariantCulture, $"; client_max_window_bits={ourClientBits}");
        }
        response = text.ToString();
        return true;
    }

    private static bool TryBits(string? value, out int bits) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out bits) && bits is >= 8 and <= MaxWindowBits;
}
