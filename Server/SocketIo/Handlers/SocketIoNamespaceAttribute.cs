namespace SocketIoChat.SocketIo.Handlers;

/// <summary>Names the namespace a <see cref="NamespaceHandler"/> serves (e.g. <c>/chat</c>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SocketIoNamespaceAttribute(string name) : Attribute
{
    /// <summary>The namespace name; a missing leading <c>/</c> is added.</summary>
    public string Name { get; } = name;
}
