using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Handlers;

internal sealed partial class NamespaceHandlerDispatcher
{
    /// <summary>
    /// One socket's state for its handler class: whether <see cref="NamespaceHandler.OnConnectedAsync"/>
    /// has finished, and its rate limiters (made on first use, disposed when it disconnects).
    /// </summary>
    private sealed class SocketSession(NamespaceHandlerDispatcher dispatcher, Socket socket)
    {
        private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();

        // Events that arrived before OnConnectedAsync finished, in arrival order (task continuations
        // would not keep it); null once it has finished.
        private List<(EventBinding Binding, SocketEvent Event)>? _waiting = [];
        private bool _connected;
        private Dictionary<string, (SocketRateLimitPolicy Policy, RateLimiter Limiter)>? _limiters;
        private int _closed;

        public async Task ConnectAsync()
        {
            try
            {
                await using var scope = dispatcher._scopes.CreateAsyncScope();
                var handler = dispatcher.CreateHandler(scope.ServiceProvider, socket, null);
                try
                {
                    await handler.OnConnectedAsync();
                }
                finally
                {
                    await DisposeHandlerAsync(handler);
                }
                Release(connected: true);
            }
            catch (Exception ex)
            {
                HandlerLog.LifecycleFailed(dispatcher._logger, socket.Id, dispatcher._descriptor.Type.Name, nameof(NamespaceHandler.OnConnectedAsync), ex);
                Release(connected: false);
                socket.Disconnect();
            }
        }

        private void Release(bool connected)
        {
            List<(EventBinding Binding, SocketEvent Event)>? waiting;
            lock (_lock)
            {
                waiting = _waiting;
                _waiting = null;
                _connected = connected;
            }
            _ready.TrySetResult(connected);
            if (!connected || waiting is null)
            {
                return;
            }
            foreach (var (binding, e) in waiting)
            {
                var task = RunAsync(binding, e);
                if (!task.IsCompletedSuccessfully)
                {
                    _ = ObserveAsync(task, binding, e);
                }
            }
        }

        private async Task ObserveAsync(Task task, EventBinding binding, SocketEvent e)
        {
            try
            {
                await task;
            }
            catch (Exception ex)
            {
                HandlerLog.HandlerFailed(dispatcher._logger, socket.Id, dispatcher._descriptor.Type.Name, binding.Method.Method.Name, e.Name, ex);
            }
        }

        public void OnDisconnect(string reason)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }
            Dictionary<string, (SocketRateLimitPolicy Policy, RateLimiter Limiter)>? limiters;
            lock (_lock)
            {
                limiters = _limiters;
                _limiters = null;
            }
            if (limiters is not null)
            {
                foreach (var (policy, limiter) in limiters.Values)
                {
                    dispatcher._replenisher.Untrack(policy, limiter);
                    limiter.Dispose();
                }
            }
            _ = DisconnectedAsync(reason);
        }

        private async Task DisconnectedAsync(string reason)
        {
            try
            {
                // After OnConnectedAsync, as the two would run in a single-threaded server.
                await _ready.Task;
                await using var scope = dispatcher._scopes.CreateAsyncScope();
                var handler = dispatcher.CreateHandler(scope.ServiceProvider, socket, null);
                try
                {
                    await handler.OnDisconnectedAsync(reason);
                }
                finally
                {
                    await DisposeHandlerAsync(handler);
                }
            }
            catch (Exception ex)
            {
                HandlerLog.LifecycleFailed(dispatcher._logger, socket.Id, dispatcher._descriptor.Type.Name, nameof(NamespaceHandler.OnDisconnectedAsync), ex);
            }
        }

        public Task HandleAsync(EventBinding binding, SocketEvent e)
        {
            lock (_lock)
            {
                if (_waiting is not null)
                {
                    _waiting.Add((binding, e));
                    return Task.CompletedTask;
                }
                if (!_connected)
                {
                    return Task.CompletedTask; // OnConnectedAsync failed: the socket is being disconnected
                }
            }
            return RunAsync(binding, e);
        }

        private async Task RunAsync(EventBinding binding, SocketEvent e)
        {
            if (binding.Policy is { } policyTask && !await AuthorizeAsync(policyTask, e))
            {
                return;
            }
            List<RateLimitLease>? leases = null;
            try
            {
                foreach (var use in binding.Limiters)
                {
                    var lease = await AcquireAsync(use, e);
                    if (lease is null)
                    {
                        return;
                    }
                    (leases ??= []).Add(lease);
                }
                await InvokeAsync(binding, e);
            }
            finally
            {
                foreach (var lease in leases ?? [])
                {
                    lease.Dispose();
                }
            }
        }

        private async Task<bool> AuthorizeAsync(Task<AuthorizationPolicy?> policyTask, SocketEvent e)
        {
            var user = socket.User;
            var policy = (await policyTask)!;
            var result = await dispatcher._authorization!.AuthorizeAsync(user, e, policy);
            if (result.Succeeded)
            {
                return true;
            }
            HandlerLog.EventForbidden(dispatcher._logger, socket.Id, e.Name);
            var error = Error(SocketIoErrors.Forbidden, e, user.Identity?.IsAuthenticated == true
                ? "The user is not allowed to send this event."
                : "This event requires an authenticated user.");
            error["status"] = user.Identity?.IsAuthenticated == true ? 403 : 401;
            Refuse(e, error);
            return false;
        }

        /// <summary>A granted lease, or null when the event was refused (the client is told) or the socket is gone.</summary>
        private async Task<RateLimitLease?> AcquireAsync(LimiterUse use, SocketEvent e)
        {
            var limiter = Limiter(use);
            if (limiter is null)
            {
                return null;
            }
            RateLimitLease lease;
            try
            {
                lease = await limiter.AcquireAsync(1, socket.Disconnected);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is OperationCanceledException && socket.Disconnected.IsCancellationRequested))
            {
                return null; // the socket disconnected while the event waited in the limiter's queue
            }
            if (lease.IsAcquired)
            {
                return lease;
            }
            HandlerLog.RateLimited(dispatcher._logger, socket.Id, e.Name, use.Policy.Name);
            var error = Error(SocketIoErrors.RateLimited, e, "Too many events: try again later.");
            if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
            {
                error["retryAfterMs"] = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
            }
            lease.Dispose();
            Refuse(e, error);
            return null;
        }

        private RateLimiter? Limiter(LimiterUse use)
        {
            lock (_lock)
            {
                if (Volatile.Read(ref _closed) == 1)
                {
                    return null;
                }
                _limiters ??= new(StringComparer.Ordinal);
                if (_limiters.TryGetValue(use.Key, out var existing))
                {
                    return existing.Limiter;
                }
            }
            // Made outside the lock: a custom policy's factory is application code.
            var limiter = use.Policy.Create(socket);
            lock (_lock)
            {
                if (Volatile.Read(ref _closed) == 0 && _limiters is not null)
                {
                    if (_limiters.TryGetValue(use.Key, out var raced))
                    {
                        limiter.Dispose();
                        return raced.Limiter;
                    }
                    _limiters[use.Key] = (use.Policy, limiter);
                    dispatcher._replenisher.Track(use.Policy, limiter);
                    return limiter;
                }
            }
            limiter.Dispose();
            return null;
        }

        private async Task InvokeAsync(EventBinding binding, SocketEvent e)
        {
            var method = binding.Method;
            try
            {
                HandlerOutcome outcome;
                await using (var scope = dispatcher._scopes.CreateAsyncScope())
                {
                    var handler = dispatcher.CreateHandler(scope.ServiceProvider, socket, e);
                    try
                    {
                        outcome = await method.Invoke(handler, e, scope.ServiceProvider);
                    }
                    finally
                    {
                        await DisposeHandlerAsync(handler);
                    }
                }
                if (e.HasAck)
                {
                    // The return value is the acknowledgement; a void method acknowledges its
                    // completion with no arguments (unless it already answered through SocketEvent.Ack).
                    _ = outcome.HasValue ? e.Ack([outcome.Value]) : e.Ack();
                }
            }
            catch (HandlerArgumentException ex)
            {
                SocketIoTelemetry.FailCurrentEvent(ex);
                HandlerLog.BadArgument(dispatcher._logger, socket.Id, ex.Index, ex.Parameter, e.Name, ex.InnerException?.Message ?? ex.Message);
                Refuse(e, Error(SocketIoErrors.BadRequest, e, ex.Message));
            }
            catch (OperationCanceledException) when (socket.Disconnected.IsCancellationRequested)
            {
                // The socket left while the handler worked: nobody to answer.
            }
            catch (Exception ex)
            {
                HandlerLog.HandlerFailed(dispatcher._logger, socket.Id, dispatcher._descriptor.Type.Name, method.Method.Name, e.Name, ex);
                SocketIoTelemetry.FailCurrentEvent(ex);
                if (e.HasAck)
                {
                    e.Ack(Error(SocketIoErrors.InternalError, e));
                }
            }
        }
    }
}
