namespace SocketIoChat.SocketIo.Handlers;

/// <summary>An event argument could not be bound to a handler parameter.</summary>
internal sealed class HandlerArgumentException(string parameter, int index, Exception inner)
    : Exception($"Argument {index} ({parameter}): {inner.Message}", inner)
{
    public string Parameter { get; } = parameter;

    public int Index { get; } = index;
}
