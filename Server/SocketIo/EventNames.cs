namespace SocketIoChat.SocketIo;

/// <summary>Event names the clients reserve for themselves.</summary>
internal static class EventNames
{
    private static readonly string[] Reserved =
        ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    /// <summary>True for the names no client may send as an event.</summary>
    public static bool IsReserved(string name) => Array.IndexOf(Reserved, name) >= 0;

    /// <summary>Node refuses to emit the events its clients reserve for themselves; so do we.</summary>
    public static void CheckEmittable(string name)
    {
        if (IsReserved(name))
        {
            throw new ArgumentException($"\"{name}\" is a reserved event name", nameof(name));
        }
    }
}
