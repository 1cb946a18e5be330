using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>What a <see cref="NamespaceHandler"/> class declares, read by reflection once at startup.</summary>
internal sealed class NamespaceHandlerDescriptor
{
    private NamespaceHandlerDescriptor(Type type, IReadOnlyList<HandlerMethod> methods)
    {
        Type = type;
        Methods = methods;
        AllowAnonymous = type.IsDefined(typeof(AllowAnonymousAttribute), inherit: true);
        AuthorizeData = [.. type.GetCustomAttributes<AuthorizeAttribute>(inherit: true)];
        RateLimitPolicies = [.. type.GetCustomAttributes<RateLimitAttribute>(inherit: true).Select(a => a.PolicyName)];
    }

    public Type Type { get; }

    public IReadOnlyList<HandlerMethod> Methods { get; }

    /// <summary>The namespace's policies, checked when a socket connects (not again per event: the user cannot change).</summary>
    public IAuthorizeData[] AuthorizeData { get; }

    public bool AllowAnonymous { get; }

    public string[] RateLimitPolicies { get; }

    /// <summary>The namespace name from <see cref="SocketIoNamespaceAttribute"/>, or null.</summary>
    public static string? DeclaredName(Type type) => type.GetCustomAttribute<SocketIoNamespaceAttribute>()?.Name;

    public static NamespaceHandlerDescriptor Create(Type type, IServiceProviderIsService? isService)
    {
        if (!typeof(NamespaceHandler).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new InvalidOperationException($"{type} must be a concrete class deriving from {nameof(NamespaceHandler)}.");
        }
        // A typed namespace's interface of client events is checked now, not at its first emit.
        for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (baseType.IsGenericType && baseType.GetGenericTypeDefinition() == typeof(NamespaceHandler<>))
            {
                Typed.ClientContract.Of(baseType.GetGenericArguments()[0]);
            }
        }
        var methods = new List<HandlerMethod>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<SocketIoEventAttribute>(inherit: true) is not { } attribute)
            {
                continue;
            }
            if (EventNames.IsReserved(attribute.Name))
            {
                throw new InvalidOperationException($"{type.Name}.{method.Name}: \"{attribute.Name}\" is a reserved event name.");
            }
            if (method.IsGenericMethodDefinition)
            {
                throw new InvalidOperationException($"{type.Name}.{method.Name}: a generic method cannot handle an event.");
            }
            if (!names.Add(attribute.Name))
            {
                throw new InvalidOperationException($"{type.Name}: more than one method handles \"{attribute.Name}\".");
            }
            methods.Add(HandlerMethod.Create(attribute.Name, type, method, isService));
        }
        return new NamespaceHandlerDescriptor(type, methods);
    }
}
