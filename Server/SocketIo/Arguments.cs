using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo;

/// <summary>Turns C# values into the JSON arguments of a packet (byte arrays stay binary).</summary>
internal static class Arguments
{
    private static readonly JsonSerializer Serializer = JsonSerializer.CreateDefault();

    public static JToken ToToken(object? value) => value switch
    {
        null => JValue.CreateNull(),
        JToken token => token,
        _ => JToken.FromObject(value, Serializer),
    };

    public static JArray ToArray(object?[] args)
    {
        var array = new JArray();
        foreach (var arg in args)
        {
            array.Add(ToToken(arg));
        }
        return array;
    }

    public static JArray EventArray(string name, object?[] args)
    {
        var array = new JArray { name };
        foreach (var arg in args)
        {
            array.Add(ToToken(arg));
        }
        return array;
    }

    private static readonly string[] Reserved =
        ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    /// <summary>Node refuses to emit the events its clients reserve for themselves; so do we.</summary>
    public static void CheckEventName(string name)
    {
        if (Array.IndexOf(Reserved, name) >= 0)
        {
            throw new ArgumentException($"\"{name}\" is a reserved event name", nameof(name));
        }
    }
}
