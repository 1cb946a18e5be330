namespace SocketIoChat.Tests.Support;

/// <summary>Waiting helpers with generous limits: the machines are shared and slow at times.</summary>
public static class Eventually
{
    /// <summary>The default limit for anything the server should do "soon".</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <paramref name="limit"/>.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan? limit = null) =>
        await task.WaitAsync(limit ?? Limit);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <paramref name="limit"/>.</summary>
    public static async Task Within(this Task task, TimeSpan? limit = null) =>
        await task.WaitAsync(limit ?? Limit);

    /// <summary>Polls <paramref name="condition"/> until it holds or the limit passes.</summary>
    public static async Task True(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Asks <paramref name="probe"/> again and again (over the wire, typically) until its answer
    /// satisfies <paramref name="done"/> or the limit passes; returns that answer.
    /// </summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what} (last answer: {value})");
            }
            await Task.Delay(50);
        }
    }
}
