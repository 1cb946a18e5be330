namespace SocketIoChat.SocketIo.Handlers;

/// <summary>
/// Limits events with the rate-limiting policy <see cref="PolicyName"/> registered through
/// <c>AddSocketIo().AddRateLimiter(...)</c>. Every socket has its own limiter. On a class, one
/// limiter per socket counts every event of the namespace; on a method, one limiter per socket
/// counts that event. A refused event is not run; the client gets a <c>rate_limited</c> error.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = true, AllowMultiple = true)]
public sealed class RateLimitAttribute(string policyName) : Attribute
{
    /// <summary>The policy name.</summary>
    public string PolicyName { get; } = policyName;
}
