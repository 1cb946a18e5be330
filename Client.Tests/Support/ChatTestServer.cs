namespace SocketIoChat.Tests.Support;

/// <summary>
/// The default profile (seed page plus chat) with the chat's database in a temporary file of its
/// own, which outlives a restart of the server (<see cref="RestartAsync"/>) and is deleted on dispose.
/// </summary>
public sealed class ChatTestServer : IAsyncDisposable
{
    private ChatTestServer(string database, TestServer server, string[] extraArgs)
    {
        Database = database;
        Server = server;
        _extraArgs = extraArgs;
    }

    private readonly string[] _extraArgs;

    /// <summary>The SQLite file.</summary>
    public string Database { get; }

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; }

    /// <summary>The chat page's address.</summary>
    public string ChatUrl => Server.Url + "/chat/";

    /// <summary>Starts the host on a fresh database; <paramref name="extraArgs"/> go to the command line (e.g. chat options).</summary>
    public static async Task<ChatTestServer> StartAsync(params string[] extraArgs)
    {
        var database = Path.Combine(Path.GetTempPath(), "socketiochat-tests", Guid.NewGuid().ToString("N") + ".db");
        return new ChatTestServer(database, await StartServerAsync(database, extraArgs), extraArgs);
    }

    /// <summary>Stops the server and starts a new one (on a new port) on the same database.</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        Server = await StartServerAsync(Database, _extraArgs);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        foreach (var file in new[] { Database, Database + "-wal", Database + "-shm" })
        {
            File.Delete(file);
        }
    }

    private static Task<TestServer> StartServerAsync(string database, string[] extraArgs) =>
        TestServer.StartAsync("default", ["--Chat:Database", database, .. extraArgs]);
}
