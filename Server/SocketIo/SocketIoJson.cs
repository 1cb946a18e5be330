using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace SocketIoChat.SocketIo;

/// <summary>
/// The JSON conventions for C# values sent to clients (emit arguments, acknowledgement answers,
/// socket data in a cluster) and for the typed handler parameters bound from what clients send.
/// </summary>
public static class SocketIoJson
{
    /// <summary>
    /// New settings with the server's defaults: property names in camelCase, as ASP.NET Core writes
    /// them and JavaScript expects (<c>SentAt</c> becomes <c>sentAt</c>); dictionary keys and names
    /// given with <c>[JsonProperty("…")]</c> stay as they are. Reading is case-insensitive either way.
    /// </summary>
    public static JsonSerializerSettings CreateDefaultSettings() => new()
    {
        ContractResolver = new DefaultContractResolver
        {
            NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false, OverrideSpecifiedNames = false },
        },
    };

    /// <summary>A serializer with the default settings, for code without a server (a packet built by hand, the Redis emitter).</summary>
    internal static readonly JsonSerializer DefaultSerializer = JsonSerializer.Create(CreateDefaultSettings());
}
