namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Makes a public method of a <see cref="NamespaceHandler"/> the handler of the event
/// <see cref="Name"/> (names may contain spaces: <c>[SocketIoEvent("my event")]</c>).
/// Only methods with this attribute handle events.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class SocketIoEventAttribute(string name) : Attribute
{
    /// <summary>The event name, exactly as the client emits it.</summary>
    public string Name { get; } = name;
}
