using System.Linq.Expressions;
using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// One event handler method, compiled once into a delegate that binds its parameters and calls it:
/// no reflection per event.
/// </summary>
internal sealed class HandlerMethod
{
    private HandlerMethod(string eventName, MethodInfo method, Func<NamespaceHandler, SocketEvent, IServiceProvider, ValueTask<HandlerOutcome>> invoke)
    {
        EventName = eventName;
        Method = method;
        Invoke = invoke;
        AuthorizeData = [.. method.GetCustomAttributes<AuthorizeAttribute>(inherit: true)];
        AllowAnonymous = method.IsDefined(typeof(AllowAnonymousAttribute), inherit: true);
        RateLimitPolicies = [.. method.GetCustomAttributes<RateLimitAttribute>(inherit: true).Select(a => a.PolicyName)];
    }

    public string EventName { get; }

    public MethodInfo Method { get; }

    public Func<NamespaceHandler, SocketEvent, IServiceProvider, ValueTask<HandlerOutcome>> Invoke { get; }

    public IAuthorizeData[] AuthorizeData { get; }

    public bool AllowAnonymous { get; }

    public string[] RateLimitPolicies { get; }

    public static HandlerMethod Create(string eventName, Type handlerType, MethodInfo method, IServiceProviderIsService? isService)
    {
        var handler = Expression.Parameter(typeof(NamespaceHandler), "handler");
        var e = Expression.Parameter(typeof(SocketEvent), "e");
        var services = Expression.Parameter(typeof(IServiceProvider), "services");
        var socket = Expression.Property(e, nameof(SocketEvent.Socket));
        var jsonIndex = 0;
        var arguments = method.GetParameters().Select(p => BindParameter(p, e, socket, services, isService, ref jsonIndex)).ToArray();
        var call = Expression.Call(Expression.Convert(handler, handlerType), method, arguments);
        var body = Adapt(call, method.ReturnType);
        var invoke = Expression.Lambda<Func<NamespaceHandler, SocketEvent, IServiceProvider, ValueTask<HandlerOutcome>>>(body, handler, e, services).Compile();
        return new HandlerMethod(eventName, method, invoke);
    }

    private static Expression BindParameter(ParameterInfo parameter, ParameterExpression e, Expression socket, ParameterExpression services, IServiceProviderIsService? isService, ref int jsonIndex)
    {
        var type = parameter.ParameterType;
        if (type.IsByRef)
        {
            throw new InvalidOperationException($"{Describe(parameter)}: ref and out parameters cannot be bound.");
        }
        if (type == typeof(SocketEvent))
        {
            return e;
        }
        if (type == typeof(Socket))
        {
            return socket;
        }
        if (type == typeof(CancellationToken))
        {
            return Expression.Property(socket, nameof(Socket.Disconnected));
        }
        if (type == typeof(ClaimsPrincipal))
        {
            return Expression.Property(socket, nameof(Socket.User));
        }
        if (parameter.GetCustomAttributes(inherit: true).OfType<IFromServiceMetadata>().Any() || isService?.IsService(type) == true)
        {
            return Expression.Call(typeof(ArgumentBinder), nameof(ArgumentBinder.Service), [type], services);
        }
        var fallback = parameter.HasDefaultValue && parameter.DefaultValue is not null
            ? Expression.Constant(ConvertDefault(parameter.DefaultValue, type), type)
            : (Expression)Expression.Default(type);
        return Expression.Call(typeof(ArgumentBinder), nameof(ArgumentBinder.Bind), [type],
            e, Expression.Constant(jsonIndex++), Expression.Constant(parameter.Name ?? "?"), fallback);
    }

    private static object ConvertDefault(object value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        // Enum defaults come as their underlying number.
        return target.IsEnum ? Enum.ToObject(target, value) : value;
    }

    private static Expression Adapt(MethodCallExpression call, Type returnType)
    {
        if (returnType == typeof(void))
        {
            return Expression.Block(call, Expression.Call(typeof(HandlerOutcome), nameof(HandlerOutcome.FromVoid), Type.EmptyTypes));
        }
        if (returnType == typeof(Task))
        {
            return Expression.Call(typeof(HandlerOutcome), nameof(HandlerOutcome.FromTask), Type.EmptyTypes, call);
        }
        if (returnType == typeof(ValueTask))
        {
            return Expression.Call(typeof(HandlerOutcome), nameof(HandlerOutcome.FromValueTask), Type.EmptyTypes, call);
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return Expression.Call(typeof(HandlerOutcome), nameof(HandlerOutcome.FromTask), returnType.GetGenericArguments(), call);
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return Expression.Call(typeof(HandlerOutcome), nameof(HandlerOutcome.FromValueTask), returnType.GetGenericArguments(), call);
        }
        if (typeof(Task).IsAssignableFrom(returnType))
        {
            throw new InvalidOperationException($"{returnType} is not a supported return type: return Task, Task<T>, ValueTask, ValueTask<T>, a value or void.");
        }
        return Expression.Call(typeof(HandlerOutcome), nameof(HandlerOutcome.FromValue), [returnType], call);
    }

    private static string Describe(ParameterInfo parameter) =>
        $"{parameter.Member.DeclaringType?.Name}.{parameter.Member.Name}({parameter.Name})";
}
