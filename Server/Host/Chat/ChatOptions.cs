namespace SocketIoChat.Host.Chat;

/// <summary>Settings of the browser chat, bound from the <c>Chat</c> configuration section.</summary>
public sealed class ChatOptions
{
    /// <summary>
    /// The SQLite database file. Relative paths are taken from the content root; the default is
    /// <c>chat.db</c> in the application's data folder (see <see cref="ChatStore"/>).
    /// </summary>
    public string? Database { get; set; }

    /// <summary>Longest message accepted, in characters (Unicode code points).</summary>
    public int MaxMessageLength { get; set; } = 2000;

    /// <summary>Messages a user may send in a burst before the rate limit applies.</summary>
    public int RateLimitBurst { get; set; } = 10;

    /// <summary>How often one more message is allowed once the burst is used up.</summary>
    public TimeSpan RateLimitPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a nickname stays reserved for its session after its last connection ends.</summary>
    public TimeSpan NicknameGracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Messages per history page (on joining a room and per scroll back).</summary>
    public int HistoryPageSize { get; set; } = 50;
}
