using System.Reflection;

namespace SocketIoChat.SocketIo.Handlers.Typed;

/// <summary>
/// The object behind an interface of client events: each call emits the method's event with the
/// call's arguments to one socket or to a <see cref="BroadcastOperator"/>'s targets.
/// </summary>
/// <remarks>Not sealed, with a parameterless constructor: <see cref="DispatchProxy"/> derives from it.</remarks>
internal class ClientProxy : DispatchProxy
{
    private ClientContract _contract = null!;
    private Socket? _socket;
    private BroadcastOperator? _targets;

    /// <summary>An interface of client events sending to <paramref name="socket"/> only.</summary>
    internal static TClient For<TClient>(Socket socket)
        where TClient : class => Create<TClient>(socket, null);

    /// <summary>An interface of client events sending to the targets of <paramref name="targets"/>.</summary>
    internal static TClient For<TClient>(BroadcastOperator targets)
        where TClient : class => Create<TClient>(null, targets);

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = _contract[targetMethod!];
        args ??= [];
        if (method.WaitsForAck)
        {
            return _socket is not null
                ? method.Ask(_socket, args)
                : throw new InvalidOperationException(
                    $"{method.Where} waits for one client's acknowledgement: call it on one socket (Caller, Client(id)), not on several. For answers from several, use BroadcastOperator.EmitWithAckAsync.");
        }
        if (_socket is not null)
        {
            _socket.Emit(method.EventName, args);
        }
        else
        {
            _targets!.Emit(method.EventName, args);
        }
        return method.ReturnsTask ? Task.CompletedTask : null;
    }

    private static TClient Create<TClient>(Socket? socket, BroadcastOperator? targets)
        where TClient : class
    {
        // The contract first: a wrong interface fails with our message, not DispatchProxy's.
        var contract = ClientContract.Of(typeof(TClient));
        var client = Create<TClient, ClientProxy>();
        var proxy = (ClientProxy)(object)client;
        proxy._contract = contract;
        proxy._socket = socket;
        proxy._targets = targets;
        return client;
    }
}
