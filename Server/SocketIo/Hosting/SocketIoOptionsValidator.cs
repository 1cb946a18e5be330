using Microsoft.Extensions.Options;

namespace SocketIoChat.SocketIo.Hosting;

/// <summary>
/// Refuses <see cref="SocketIoOptions"/> the server cannot work with, one message per wrong value
/// naming its configuration key, so a typo in appsettings.json stops the start instead of showing
/// up later as clients that time out.
/// </summary>
internal sealed class SocketIoOptionsValidator : IValidateOptions<SocketIoOptions>
{
    private static readonly string[] KnownTransports = ["polling", "websocket"];

    public ValidateOptionsResult Validate(string? name, SocketIoOptions options)
    {
        var failures = new List<string>();
        Positive(failures, "PingInterval", options.PingInterval);
        Positive(failures, "PingTimeout", options.PingTimeout);
        Positive(failures, "UpgradeTimeout", options.UpgradeTimeout);
        Positive(failures, "ConnectTimeout", options.ConnectTimeout);
        Positive(failures, "AckTimeout", options.AckTimeout);
        Positive(failures, "MaxHttpBufferSize", options.MaxHttpBufferSize);
        Positive(failures, "MaxQueuedPackets", options.MaxQueuedPackets);
        NotNegative(failures, "MaxAttachments", options.MaxAttachments);
        ValidateTransports(failures, options.Transports);
        ValidateOrigins(failures, options.AllowedOrigins);
        if (options.ConnectionStateRecovery is { } recovery)
        {
            Positive(failures, "ConnectionStateRecovery:MaxDisconnectionDuration", recovery.MaxDisconnectionDuration);
        }
        if (options.PerMessageDeflate is { } deflate)
        {
            NotNegative(failures, "PerMessageDeflate:Threshold", deflate.Threshold);
            WindowBits(failures, "PerMessageDeflate:ServerMaxWindowBits", deflate.ServerMaxWindowBits);
            WindowBits(failures, "PerMessageDeflate:ClientMaxWindowBits", deflate.ClientMaxWindowBits);
        }
        if (options.HttpCompression is { } compression)
        {
            NotNegative(failures, "HttpCompression:Threshold", compression.Threshold);
        }
        if (options.Cookie is { } cookie && string.IsNullOrWhiteSpace(cookie.Name))
        {
            failures.Add("SocketIo:Cookie:Name must not be empty.");
        }
        if (options.JsonSerializerSettings is null)
        {
            failures.Add("SocketIo:JsonSerializerSettings must not be null (start from SocketIoJson.CreateDefaultSettings()).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"SocketIo:{key} must be greater than zero (was {value}).");
        }
    }

    private static void Positive(List<string> failures, string key, long value)
    {
        if (value <= 0)
        {
            failures.Add($"SocketIo:{key} must be greater than zero (was {value}).");
        }
    }

    private static void NotNegative(List<string> failures, string key, int value)
    {
        if (value < 0)
        {
            failures.Add($"SocketIo:{key} must be 0 or more (was {value}).");
        }
    }

    private static void WindowBits(List<string> failures, string key, int value)
    {
        // The runtime's deflate takes windows of 2^9 to 2^15 bytes (RFC 7692 allows 8, zlib does not).
        if (value is < 9 or > 15)
        {
            failures.Add($"SocketIo:{key} must be from 9 to 15 (was {value}).");
        }
    }

    private static void ValidateTransports(List<string> failures, IList<string>? transports)
    {
        if (transports is null || transports.Count == 0)
        {
            failures.Add("SocketIo:Transports must list at least one of polling, websocket.");
            return;
        }
        for (var i = 0; i < transports.Count; i++)
        {
            if (!KnownTransports.Contains(transports[i]))
            {
                failures.Add($"SocketIo:Transports:{i} must be polling or websocket (was '{transports[i]}').");
            }
            else if (transports.Take(i).Contains(transports[i]))
            {
                failures.Add($"SocketIo:Transports:{i} repeats '{transports[i]}'.");
            }
        }
    }

    private static void ValidateOrigins(List<string> failures, IList<string>? origins)
    {
        if (origins is null)
        {
            failures.Add("SocketIo:AllowedOrigins must not be null (empty allows the server's own origin only).");
            return;
        }
        for (var i = 0; i < origins.Count; i++)
        {
            var origin = origins[i];
            if (origin is "*" or "null")
            {
                continue;
            }
            // Only what a browser can send matches: scheme://host[:port], without a default port, a
            // path or a trailing slash; an entry in another form would silently never match.
            var valid = Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && string.Equals(origin, uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
            if (!valid)
            {
                failures.Add($"SocketIo:AllowedOrigins:{i} must be '*', 'null' or an origin as browsers send it, scheme://host[:port] without a default port, path or trailing slash (was '{origin}').");
            }
        }
    }
}
