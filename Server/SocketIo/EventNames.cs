namespace SocketIoChat.SocketIo;

/// <summary>Event names the clients reserve for themselves.</summary>
internal static class EventNames
{
    private static readonly string[] Reserved =
        ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    /// <summary>Node refuses to emit the events its clients reserve for themselves; so do we.</summary>
    public static void CheckEmittable(string name)
    {
        if (Array.IndexOf(Reserved, name) >= 0)
        {
            throw new ArgumentException($"\"{name}\" is a reserved event name", nameof(name));
        }
    }
}
