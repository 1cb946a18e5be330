using Microsoft.Extensions.DependencyInjection;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>A class-based namespace added with <c>AddNamespace&lt;T&gt;()</c>.</summary>
internal sealed class NamespaceHandlerRegistration(Type handlerType, string name)
{
    public Type HandlerType { get; } = handlerType;

    public string Name { get; } = name;
}

/// <summary>The class-based namespaces of the application; <c>MapSocketIo</c> attaches them to the server once.</summary>
internal sealed class NamespaceHandlerRegistry(IEnumerable<NamespaceHandlerRegistration> registrations, IServiceProvider services)
{
    private readonly NamespaceHandlerRegistration[] _registrations = [.. registrations];
    private int _mapped;

    public string NameOf(Type handlerType) =>
        _registrations.FirstOrDefault(r => r.HandlerType == handlerType)?.Name
        ?? throw new InvalidOperationException($"{handlerType.Name} is not registered: add it with services.AddSocketIo().AddNamespace<{handlerType.Name}>().");

    public void MapAll(SocketIoServer io)
    {
        if (Interlocked.Exchange(ref _mapped, 1) == 1)
        {
            return; // MapSocketIo at a second path serves the same server: attach once
        }
        var isService = services.GetService<IServiceProviderIsService>();
        foreach (var registration in _registrations)
        {
            var descriptor = NamespaceHandlerDescriptor.Create(registration.HandlerType, isService);
            new NamespaceHandlerDispatcher(descriptor, services).Attach(io.Of(registration.Name));
        }
    }

    public static string Normalize(string name) => name.StartsWith('/') ? name : "/" + name;
}
