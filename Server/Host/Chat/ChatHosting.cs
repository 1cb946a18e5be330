using Microsoft.Extensions.Options;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Host.Chat;

/// <summary>Registers the chat (store, sessions, namespace) and serves its built front end at <c>/chat</c>.</summary>
public static class ChatHosting
{
    /// <summary>Binds <see cref="ChatOptions"/> from the <c>Chat</c> section and registers the chat's services.</summary>
    public static void AddChat(this IServiceCollection services)
    {
        services.AddOptions<ChatOptions>().BindConfiguration("Chat");
        // Connection state recovery for the chat (unless configured otherwise): a client back within
        // two minutes gets the events it missed at once; the history sync after "session" fills any
        // older gap, and the client drops duplicates by message id. The login middleware runs again
        // so the nickname is re-reserved for the returning token.
        services.PostConfigure<SocketIoOptions>(o => o.ConnectionStateRecovery ??= new ConnectionStateRecoveryOptions
        {
            SkipMiddlewares = false,
            Namespaces = name => name == ChatServer.NamespaceName,
        });
        services.AddSingleton(sp => new ChatStore(DatabasePath(sp.GetRequiredService<IOptions<ChatOptions>>().Value)));
        services.AddSingleton(sp => new ChatServer(
            sp.GetRequiredService<IOptions<ChatOptions>>().Value,
            sp.GetRequiredService<ChatStore>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<ChatServer>>()));
    }

    /// <summary>Adds the <c>/chat</c> namespace to <paramref name="io"/>.</summary>
    public static void MapChat(this IServiceProvider services, SocketIoServer io) =>
        services.GetRequiredService<ChatServer>().Register(io);

    /// <summary>
    /// The configured database file (relative to the current directory), or <c>chat.db</c> in the
    /// user's local application data folder so that rebuilding the app never loses the history.
    /// </summary>
    internal static string DatabasePath(ChatOptions options) =>
        options.Database is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "SocketIoChat", "chat.db");
}
