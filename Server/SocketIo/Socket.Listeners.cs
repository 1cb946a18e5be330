namespace SocketIoChat.SocketIo;

/// <summary>Catch-all listeners, per-packet middleware and error listeners of a socket.</summary>
public sealed partial class Socket
{
    // Few sockets use these, so they live in one object created on first use (one field per socket).
    private Extras? _extras;

    private sealed class Extras
    {
        public (Delegate Key, Func<SocketEvent, Task> Run)[] AnyIncoming = [];
        public Action<string, IReadOnlyList<object?>>[] AnyOutgoing = [];
        public Func<SocketEvent, Func<Task>, Task>[] Middlewares = [];
        public Action<Exception>[] Errors = [];
    }

    private Extras EnsureExtras() => LazyInitializer.EnsureInitialized(ref _extras, static () => new Extras());

    /// <summary>
    /// Adds a listener for every incoming event, whatever its name (Node <c>onAny</c>). It runs
    /// before the packet middleware and the event's own handlers, even for events nobody handles.
    /// </summary>
    public Socket OnAny(Func<SocketEvent, Task> listener) => AddAny(listener, listener, prepend: false);

    /// <summary>Adds a synchronous listener for every incoming event (Node <c>onAny</c>).</summary>
    public Socket OnAny(Action<SocketEvent> listener) => AddAny(listener, Wrap(listener), prepend: false);

    /// <summary>Like <see cref="OnAny(Func{SocketEvent, Task})"/>, but runs before the listeners already added (Node <c>prependAny</c>).</summary>
    public Socket PrependAny(Func<SocketEvent, Task> listener) => AddAny(listener, listener, prepend: true);

    /// <summary>Like <see cref="OnAny(Action{SocketEvent})"/>, but runs before the listeners already added (Node <c>prependAny</c>).</summary>
    public Socket PrependAny(Action<SocketEvent> listener) => AddAny(listener, Wrap(listener), prepend: true);

    /// <summary>Removes a catch-all listener added with <c>OnAny</c> or <c>PrependAny</c> (Node <c>offAny(listener)</c>).</summary>
    public Socket OffAny(Func<SocketEvent, Task> listener) => RemoveAny(listener);

    /// <summary>Removes a catch-all listener added with <c>OnAny</c> or <c>PrependAny</c> (Node <c>offAny(listener)</c>).</summary>
    public Socket OffAny(Action<SocketEvent> listener) => RemoveAny(listener);

    /// <summary>Removes every incoming catch-all listener (Node <c>offAny()</c>).</summary>
    public Socket OffAny()
    {
        lock (_lock)
        {
            EnsureExtras().AnyIncoming = [];
        }
        return this;
    }

    /// <summary>The incoming catch-all listeners, in the order they run.</summary>
    public IReadOnlyList<Delegate> ListenersAny() => [.. (Volatile.Read(ref _extras)?.AnyIncoming ?? []).Select(l => l.Key)];

    /// <summary>
    /// Adds a listener for every event sent to this client (Node <c>onAnyOutgoing</c>), by
    /// <see cref="Emit"/> or by a broadcast that reaches it: event name and arguments.
    /// Acknowledgements are not events and do not pass here.
    /// </summary>
    public Socket OnAnyOutgoing(Action<string, IReadOnlyList<object?>> listener)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            extras.AnyOutgoing = [.. extras.AnyOutgoing, listener];
        }
        return this;
    }

    /// <summary>Like <see cref="OnAnyOutgoing"/>, but runs before the listeners already added (Node <c>prependAnyOutgoing</c>).</summary>
    public Socket PrependAnyOutgoing(Action<string, IReadOnlyList<object?>> listener)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            extras.AnyOutgoing = [listener, .. extras.AnyOutgoing];
        }
        return this;
    }

    /// <summary>Removes one outgoing catch-all listener, or all of them when <paramref name="listener"/> is null (Node <c>offAnyOutgoing</c>).</summary>
    public Socket OffAnyOutgoing(Action<string, IReadOnlyList<object?>>? listener = null)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            if (listener is null)
            {
                extras.AnyOutgoing = [];
            }
            else
            {
                var index = Array.IndexOf(extras.AnyOutgoing, listener);
                if (index >= 0)
                {
                    extras.AnyOutgoing = [.. extras.AnyOutgoing[..index], .. extras.AnyOutgoing[(index + 1)..]];
                }
            }
        }
        return this;
    }

    /// <summary>
    /// Adds per-packet middleware (Node <c>socket.use</c>), run in order for every incoming event
    /// before its handlers. Call <c>next()</c> to go on; not calling it drops the event; throwing
    /// drops it and raises the socket's error listeners (<see cref="OnError"/>) with the exception,
    /// as the reference emits <c>error</c> on the server-side socket. The client is told nothing.
    /// Middleware may change <see cref="SocketEvent.Args"/>.
    /// </summary>
    public Socket Use(Func<SocketEvent, Func<Task>, Task> middleware)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            extras.Middlewares = [.. extras.Middlewares, middleware];
        }
        return this;
    }

    /// <summary>Adds a listener for errors of this socket, such as an event refused by packet middleware (Node <c>socket.on("error")</c>).</summary>
    public Socket OnError(Action<Exception> listener)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            extras.Errors = [.. extras.Errors, listener];
        }
        return this;
    }

    private static Func<SocketEvent, Task> Wrap(Action<SocketEvent> listener) => e =>
    {
        listener(e);
        return Task.CompletedTask;
    };

    private Socket AddAny(Delegate key, Func<SocketEvent, Task> run, bool prepend)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            extras.AnyIncoming = prepend ? [(key, run), .. extras.AnyIncoming] : [.. extras.AnyIncoming, (key, run)];
        }
        return this;
    }

    private Socket RemoveAny(Delegate key)
    {
        lock (_lock)
        {
            var extras = EnsureExtras();
            var index = Array.FindIndex(extras.AnyIncoming, l => l.Key.Equals(key));
            if (index >= 0)
            {
                extras.AnyIncoming = [.. extras.AnyIncoming[..index], .. extras.AnyIncoming[(index + 1)..]];
            }
        }
        return this;
    }

    /// <summary>Tells the outgoing catch-all listeners about an event sent to this client; free when there are none.</summary>
    internal void NotifyOutgoing(string eventName, IReadOnlyList<object?> args)
    {
        var extras = Volatile.Read(ref _extras);
        if (extras is null || extras.AnyOutgoing.Length == 0)
        {
            return;
        }
        foreach (var listener in extras.AnyOutgoing)
        {
            try
            {
                listener(eventName, args);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, Id, eventName, ex);
            }
        }
    }

    private async Task RunMiddlewaresAsync(SocketEvent e, Func<SocketEvent, Func<Task>, Task>[] middlewares)
    {
        var index = 0;
        Func<Task> next = null!;
        next = () =>
        {
            index++;
            if (index < middlewares.Length)
            {
                return middlewares[index](e, next);
            }
            // The last middleware let the event through; a socket that left meanwhile ignores it, as in the reference.
            if (Connected)
            {
                Dispatch(e);
            }
            return Task.CompletedTask;
        };
        try
        {
            await middlewares[0](e, next);
        }
        catch (Exception ex)
        {
            RaiseError(ex, e.Name);
        }
    }

    private void RaiseError(Exception error, string eventName)
    {
        var listeners = Volatile.Read(ref _extras)?.Errors ?? [];
        if (listeners.Length == 0)
        {
            SocketIoLog.HandlerFailed(Server.Logger, Id, eventName, error);
            return;
        }
        foreach (var listener in listeners)
        {
            try
            {
                listener(error);
            }
            catch (Exception ex)
            {
                SocketIoLog.HandlerFailed(Server.Logger, Id, "error", ex);
            }
        }
    }
}
