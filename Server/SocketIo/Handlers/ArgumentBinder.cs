using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>The conversions the compiled invokers call, one generic instantiation per parameter type.</summary>
internal static class ArgumentBinder
{
    /// <summary>
    /// The event argument at <paramref name="index"/> as a <typeparamref name="T"/>; a missing one
    /// is <paramref name="fallback"/> (the parameter's default value, or default of T).
    /// </summary>
    public static T Bind<T>(SocketEvent e, int index, string parameter, T fallback)
    {
        var args = e.Args;
        if (index >= args.Count)
        {
            return fallback;
        }
        var token = args[index];
        if (token is T same)
        {
            return same; // JToken, JObject, JArray, JValue parameters take the token itself
        }
        try
        {
            return token.ToObject<T>(e.Socket.Server.JsonSerializer)!;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new HandlerArgumentException(parameter, index, ex);
        }
    }

    public static T Service<T>(IServiceProvider services)
        where T : notnull => services.GetRequiredService<T>();
}
