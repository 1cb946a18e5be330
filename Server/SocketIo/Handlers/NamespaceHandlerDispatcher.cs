using System.Runtime.ExceptionServices;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Connects one <see cref="NamespaceHandler"/> class to its namespace through the public socket
/// API: authorization as connection middleware, and for each socket one <see cref="Socket.On(string, Func{SocketEvent, Task})"/>
/// per handler method, which authorizes, rate-limits, binds and runs it in a DI scope of its own.
/// </summary>
internal sealed partial class NamespaceHandlerDispatcher
{
    private readonly NamespaceHandlerDescriptor _descriptor;
    private readonly IServiceScopeFactory _scopes;
    private readonly ObjectFactory _factory;
    private readonly IAuthorizationService? _authorization;
    private readonly Task<AuthorizationPolicy?>? _connectionPolicy;
    private readonly EventBinding[] _bindings;
    private readonly RateLimitReplenisher _replenisher;
    private readonly ILogger _logger;

    public NamespaceHandlerDispatcher(NamespaceHandlerDescriptor descriptor, IServiceProvider services)
    {
        _descriptor = descriptor;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _factory = ActivatorUtilities.CreateFactory(descriptor.Type, Type.EmptyTypes);
        _replenisher = services.GetRequiredService<RateLimitReplenisher>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("SocketIoChat.SocketIo.Handlers");
        _authorization = services.GetService<IAuthorizationService>();
        var policies = services.GetService<IAuthorizationPolicyProvider>();
        if (!descriptor.AllowAnonymous)
        {
            _connectionPolicy = CombinePolicies(policies, descriptor.AuthorizeData, descriptor.Type.Name);
        }
        var limiters = services.GetRequiredService<IOptions<SocketIoRateLimiterOptions>>().Value.Policies;
        _bindings = [.. descriptor.Methods.Select(method => new EventBinding(
            method,
            method.AllowAnonymous ? null : CombinePolicies(policies, method.AuthorizeData, $"{descriptor.Type.Name}.{method.Method.Name}"),
            [
                // The class's limiters are shared by every event of the socket, a method's by that event only.
                .. descriptor.RateLimitPolicies.Select(name => new LimiterUse("*:" + name, FindPolicy(limiters, name))),
                .. method.RateLimitPolicies.Select(name => new LimiterUse(method.EventName + ":" + name, FindPolicy(limiters, name))),
            ]))];
    }

    public void Attach(Namespace ns)
    {
        if (_connectionPolicy is not null)
        {
            ns.Use(AuthorizeConnectionAsync);
        }
        ns.OnConnection(OnConnection);
    }

    private Task<AuthorizationPolicy?>? CombinePolicies(IAuthorizationPolicyProvider? provider, IAuthorizeData[] data, string where)
    {
        if (data.Length == 0)
        {
            return null;
        }
        if (provider is null || _authorization is null)
        {
            throw new InvalidOperationException($"{where} has [Authorize]: register authorization with services.AddAuthorization().");
        }
        var task = AuthorizationPolicy.CombineAsync(provider, data);
        // The default provider answers at once: an unknown policy name then fails at startup.
        if (task.IsFaulted)
        {
            ExceptionDispatchInfo.Throw(task.Exception!.InnerException!);
        }
        return task;
    }

    private static SocketRateLimitPolicy FindPolicy(Dictionary<string, SocketRateLimitPolicy> policies, string name) =>
        policies.TryGetValue(name, out var policy)
            ? policy
            : throw new InvalidOperationException($"No rate-limiting policy \"{name}\": add it with AddSocketIo().AddRateLimiter(o => o.Add...Limiter(\"{name}\", ...)).");

    private async Task AuthorizeConnectionAsync(Socket socket)
    {
        var policy = await _connectionPolicy!;
        var user = socket.User;
        var result = await _authorization!.AuthorizeAsync(user, socket, policy!);
        if (!result.Succeeded)
        {
            HandlerLog.ConnectionForbidden(_logger, socket.Id, socket.Namespace.Name);
            throw new SocketIoConnectionException(SocketIoErrors.Unauthorized, new JObject
            {
                ["status"] = user.Identity?.IsAuthenticated == true ? 403 : 401,
                ["requirements"] = new JArray(result.Failure?.FailedRequirements.Select(r => (object)(r.ToString() ?? r.GetType().Name)).ToArray() ?? []),
                ["reasons"] = new JArray(result.Failure?.FailureReasons.Select(r => (object)r.Message).ToArray() ?? []),
            });
        }
    }

    private Task OnConnection(Socket socket)
    {
        var session = new SocketSession(this, socket);
        foreach (var binding in _bindings)
        {
            socket.On(binding.Method.EventName, e => session.HandleAsync(binding, e));
        }
        socket.OnDisconnect(session.OnDisconnect);
        if (!socket.Connected)
        {
            // Gone while this ran: its disconnect handlers may have run before ours was added, so
            // clean up here (once; whichever comes first). The real reason is not known here; the
            // transport closing is by far the likeliest.
            session.OnDisconnect(DisconnectReason.TransportClose);
        }
        _ = session.ConnectAsync();
        return Task.CompletedTask;
    }

    private NamespaceHandler CreateHandler(IServiceProvider services, Socket socket, SocketEvent? e)
    {
        var handler = (NamespaceHandler)_factory(services, null);
        handler.Attach(socket, e);
        return handler;
    }

    private static ValueTask DisposeHandlerAsync(NamespaceHandler handler)
    {
        switch (handler)
        {
            case IAsyncDisposable asyncDisposable:
                return asyncDisposable.DisposeAsync();
            case IDisposable disposable:
                disposable.Dispose();
                return ValueTask.CompletedTask;
            default:
                return ValueTask.CompletedTask;
        }
    }

    /// <summary>Answers <paramref name="e"/> with an error: through its ack when asked for, else as <see cref="SocketIoErrors.EventName"/>.</summary>
    internal static void Refuse(SocketEvent e, JObject error)
    {
        if (e.HasAck)
        {
            e.Ack(error);
        }
        else if (e.Socket.Connected)
        {
            e.Socket.Emit(SocketIoErrors.EventName, error);
        }
    }

    internal static JObject Error(string code, SocketEvent e, string? message = null)
    {
        var error = new JObject { ["error"] = code, ["event"] = e.Name };
        if (message is not null)
        {
            error["message"] = message;
        }
        return error;
    }

    /// <summary>A handler method with its policies, resolved once.</summary>
    private sealed record EventBinding(HandlerMethod Method, Task<AuthorizationPolicy?>? Policy, LimiterUse[] Limiters);

    /// <summary>A rate-limiting policy applied under <paramref name="Key"/> (one limiter per socket and key).</summary>
    private sealed record LimiterUse(string Key, SocketRateLimitPolicy Policy);
}
