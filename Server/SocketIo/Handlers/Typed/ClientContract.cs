using System.Collections.Concurrent;
using System.Reflection;

namespace SocketIoChat.SocketIo.Handlers.Typed;

/// <summary>
/// What an interface of client events declares (read once per interface): for each method, the
/// event it emits and whether it waits for the client's acknowledgement. A method's event is the
/// name in its <see cref="SocketIoEventAttribute"/>, else the method's name as written.
/// </summary>
internal sealed class ClientContract
{
    private static readonly ConcurrentDictionary<Type, Lazy<ClientContract>> Contracts = new();

    private readonly Dictionary<MethodInfo, ClientMethod> _methods;

    private ClientContract(Dictionary<MethodInfo, ClientMethod> methods) => _methods = methods;

    /// <summary>The contract of <paramref name="clientType"/>; throws when the interface cannot be one.</summary>
    public static ClientContract Of(Type clientType) =>
        Contracts.GetOrAdd(clientType, static type => new Lazy<ClientContract>(() => Read(type))).Value;

    public ClientMethod this[MethodInfo method] => _methods[method];

    private static ClientContract Read(Type type)
    {
        if (!type.IsInterface)
        {
            throw new InvalidOperationException($"{type.Name} cannot type client events: it must be an interface.");
        }
        var methods = new Dictionary<MethodInfo, ClientMethod>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var contract in (Type[])[type, .. type.GetInterfaces()])
        {
            if (contract.GetProperties().Length > 0 || contract.GetEvents().Length > 0)
            {
                throw new InvalidOperationException($"{contract.Name}: an interface of client events has methods only.");
            }
            foreach (var method in contract.GetMethods())
            {
                var where = $"{contract.Name}.{method.Name}";
                var eventName = method.GetCustomAttribute<SocketIoEventAttribute>()?.Name ?? method.Name;
                if (EventNames.IsReserved(eventName))
                {
                    throw new InvalidOperationException($"{where}: \"{eventName}\" is a reserved event name.");
                }
                if (!names.TryAdd(eventName, where))
                {
                    throw new InvalidOperationException($"{where}: \"{eventName}\" is emitted by {names[eventName]} already.");
                }
                if (method.IsGenericMethodDefinition || method.GetParameters().Any(p => p.ParameterType.IsByRef))
                {
                    throw new InvalidOperationException($"{where}: a client event method cannot be generic or take ref/out parameters.");
                }
                methods[method] = ClientMethod.Create(where, eventName, method.ReturnType);
            }
        }
        return new ClientContract(methods);
    }
}

/// <summary>One method of an interface of client events.</summary>
internal sealed class ClientMethod
{
    private static readonly MethodInfo AskMethod = typeof(ClientMethod).GetMethod(nameof(AskAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Func<Socket, string, object?[], object>? _ask;

    private ClientMethod(string where, string eventName, bool returnsTask, Func<Socket, string, object?[], object>? ask)
    {
        Where = where;
        EventName = eventName;
        ReturnsTask = returnsTask;
        _ask = ask;
    }

    /// <summary><c>Interface.Method</c>, for messages.</summary>
    public string Where { get; }

    public string EventName { get; }

    /// <summary>True for <c>Task</c> (completed once the packet is queued), false for <c>void</c>.</summary>
    public bool ReturnsTask { get; }

    /// <summary>Whether the method returns <c>Task&lt;T&gt;</c>: the client's acknowledgement, converted to T.</summary>
    public bool WaitsForAck => _ask is not null;

    public static ClientMethod Create(string where, string eventName, Type returnType)
    {
        if (returnType == typeof(void) || returnType == typeof(Task))
        {
            return new ClientMethod(where, eventName, returnType == typeof(Task), null);
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var ask = AskMethod.MakeGenericMethod(returnType.GetGenericArguments()[0]).CreateDelegate<Func<Socket, string, object?[], object>>();
            return new ClientMethod(where, eventName, true, ask);
        }
        throw new InvalidOperationException($"{where}: a client event method returns void, Task, or Task<T> (the client's acknowledgement), not {returnType.Name}.");
    }

    /// <summary>Emits to one socket and waits for its acknowledgement (at most <c>AckTimeout</c>).</summary>
    public object Ask(Socket socket, object?[] args) => _ask!(socket, EventName, args);

    private static async Task<T> AskAsync<T>(Socket socket, string eventName, object?[] args)
    {
        var answer = await socket.EmitWithAckAsync(eventName, args);
        return answer.Count == 0 ? default! : answer[0].ToObject<T>(socket.Server.JsonSerializer)!;
    }
}
