namespace SocketIoChat.SocketIo.Handlers;

/// <summary>What a handler method produced: a value to acknowledge with, or none (void, Task, ValueTask).</summary>
internal readonly record struct HandlerOutcome(bool HasValue, object? Value)
{
    public static readonly HandlerOutcome None = new(false, null);

    // Called from the compiled invokers (one per return shape), so a handler's result is awaited
    // without reflection and without boxing its task.
    public static ValueTask<HandlerOutcome> FromVoid() => new(None);

    public static ValueTask<HandlerOutcome> FromValue<T>(T value) => new(new HandlerOutcome(true, value));

    public static async ValueTask<HandlerOutcome> FromTask(Task task)
    {
        await task;
        return None;
    }

    public static async ValueTask<HandlerOutcome> FromTask<T>(Task<T> task) => new(true, await task);

    public static async ValueTask<HandlerOutcome> FromValueTask(ValueTask task)
    {
        await task;
        return None;
    }

    public static async ValueTask<HandlerOutcome> FromValueTask<T>(ValueTask<T> task) => new(true, await task);
}
