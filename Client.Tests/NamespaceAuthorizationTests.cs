using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo.Handlers;
using SocketIoChat.SocketIo.Hosting;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// ASP.NET Core authorization on class-based namespaces: the handshake request is authenticated by
/// the app's middleware (a test scheme reading <c>?user=…&amp;roles=…</c>), a namespace's
/// <c>[Authorize]</c> refuses the CONNECT, an event's <c>[Authorize]</c> refuses the event. Run with
/// WebSocket upgrades through the pipeline and taken at the connection (where the default scheme
/// authenticates the handshake without the pipeline).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class NamespaceAuthorizationTests(bool webSocketsAtConnection)
{
    private TestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = await TestServer.StartLibraryAsync(
            builder =>
            {
                builder.Services.AddAuthentication(QueryAuthentication.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, QueryAuthentication>(QueryAuthentication.SchemeName, null);
                builder.Services.AddAuthorization(options => options.AddPolicy("editors", policy => policy.RequireRole("editor")));
                builder.Services.AddSocketIo(options => options.WebSocketsAtConnection = webSocketsAtConnection)
                    .AddNamespace<SecureNamespace>()
                    .AddNamespace<PublicNamespace>();
            },
            app => app.MapSocketIo());
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task An_anonymous_client_is_refused_by_the_namespace_policy_with_a_connect_error()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { anonymous = new { @namespace = "/secure" } },
            steps = Array.Empty<object>(),
        });
        var refusal = outcome["connect"]!["anonymous"]!;
        Assert.That((string?)refusal["message"], Is.EqualTo("unauthorized"));
        Assert.That((int?)refusal["data"]!["status"], Is.EqualTo(401));
        Assert.That(refusal["data"]!["requirements"]!.ToString(), Does.Contain("DenyAnonymousAuthorizationRequirement"));
    }

    [Test]
    public async Task An_authenticated_client_connects_and_its_handlers_see_the_handshake_user()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { ann = new { @namespace = "/secure", query = new { user = "ann" } } },
            steps = new object[] { new { client = "ann", emit = "whoami", ack = true, label = "name" } },
        });
        Assert.That((string?)outcome["connect"]!["ann"], Is.EqualTo("connected"));
        Assert.That(outcome["results"]!["name"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"ann\"]"));
    }

    [Test]
    public async Task An_event_refused_by_its_policy_is_not_run_and_the_client_gets_forbidden_through_the_ack_or_the_exception_event()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { ann = new { @namespace = "/secure", query = new { user = "ann", roles = "reader" } } },
            steps = new object[]
            {
                new { client = "ann", emit = "purge", ack = true, label = "purgeAck" },
                new { client = "ann", emit = "purge" },
                new { client = "ann", wait = SocketIoErrors.EventName, label = "purgeEvent" },
                new { client = "ann", emit = "edit", ack = true, label = "editAck" },
                // A round trip after the refusals: anything they had wrongly run would have emitted before it.
                new { client = "ann", emit = "whoami", ack = true, label = "marker" },
            },
        });
        var results = outcome["results"]!;
        var expected = "[{\"error\":\"forbidden\",\"event\":\"purge\",\"message\":\"The user is not allowed to send this event.\",\"status\":403}]";
        Assert.That(results["purgeAck"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo(expected));
        Assert.That(results["purgeEvent"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo(expected));
        Assert.That((string?)results["editAck"]![0]!["error"], Is.EqualTo("forbidden"));
        Assert.That((string?)results["editAck"]![0]!["event"], Is.EqualTo("edit"));
        Assert.That(NodeSteps.EventNames((JObject)outcome, "ann"), Is.EqualTo(new[] { SocketIoErrors.EventName }));
    }

    [Test]
    public async Task Roles_and_named_policies_let_the_right_users_run_their_events()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new
            {
                admin = new { @namespace = "/secure", query = new { user = "root", roles = "admin" } },
                editor = new { @namespace = "/secure", query = new { user = "ed", roles = "editor" } },
            },
            steps = new object[]
            {
                new { client = "admin", emit = "purge", ack = true, label = "purge" },
                new { client = "admin", wait = "purged", label = "purged" },
                new { client = "editor", emit = "edit", ack = true, label = "edit" },
            },
        });
        var results = outcome["results"]!;
        Assert.That(results["purge"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[true]"));
        Assert.That(results["purged"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"root\"]"));
        Assert.That(results["edit"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"edited by ed\"]"));
    }

    [Test]
    public async Task AllowAnonymous_on_a_class_lifts_the_policy_of_its_base_class()
    {
        var outcome = await NodeSteps.RunAsync(_server, new
        {
            clients = new { anonymous = new { @namespace = "/public" } },
            steps = new object[] { new { client = "anonymous", emit = "ping", ack = true, label = "pong" } },
        });
        Assert.That((string?)outcome["connect"]!["anonymous"], Is.EqualTo("connected"));
        Assert.That(outcome["results"]!["pong"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("[\"pong\"]"));
    }

    [Authorize]
    internal abstract class AuthenticatedNamespace : NamespaceHandler
    {
        [SocketIoEvent("whoami")]
        public string? WhoAmI() => User.Identity?.Name;
    }

    [SocketIoNamespace("/secure")]
    internal sealed class SecureNamespace : AuthenticatedNamespace
    {
        [SocketIoEvent("purge")]
        [Authorize(Roles = "admin")]
        public bool Purge()
        {
            Socket.Emit("purged", User.Identity!.Name);
            return true;
        }

        [SocketIoEvent("edit")]
        [Authorize(Policy = "editors")]
        public string Edit() => "edited by " + User.Identity!.Name;
    }

    [SocketIoNamespace("/public")]
    [AllowAnonymous]
    internal sealed class PublicNamespace : AuthenticatedNamespace
    {
        [SocketIoEvent("ping")]
        public string Ping() => "pong";
    }

    /// <summary>Authenticates <c>?user=name&amp;roles=a,b</c>; no <c>user</c>, no identity.</summary>
    internal sealed class QueryAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Query";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var user = Request.Query["user"].ToString();
            if (user.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            var claims = new List<Claim> { new(ClaimTypes.Name, user) };
            claims.AddRange(Request.Query["roles"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(role => new Claim(ClaimTypes.Role, role)));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
        }
    }
}
