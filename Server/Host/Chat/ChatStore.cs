using Microsoft.Data.Sqlite;

namespace SocketIoChat.Host.Chat;

/// <summary>
/// The chat's SQLite database: rooms, messages (rooms and direct) and users' last-seen times.
/// The schema is created and upgraded on start by <see cref="ChatMigrations"/>.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite's async methods complete synchronously, so each call runs on the thread
/// pool: the chat's handlers start on a connection's read loop and must not hold it with disk work.
/// Connections come from the provider's pool, one per call.
/// </remarks>
public sealed class ChatStore : IDisposable
{
    private readonly string _connectionString;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and migrates it.</summary>
    public ChatStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        using var connection = Open();
        ChatMigrations.Apply(connection);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The schema version after migration (<c>PRAGMA user_version</c>).</summary>
    public long SchemaVersion => Run(c => (long)Scalar(c, "PRAGMA user_version")!);

    /// <summary>Every room's name (read once at start; the server keeps them in memory).</summary>
    public IReadOnlyList<string> LoadRoomNames() => Run(c => Strings(c, "SELECT name FROM rooms"));

    /// <summary>Every user's nickname (read once at start; the server keeps them in memory).</summary>
    public IReadOnlyList<string> LoadUserNames() => Run(c => Strings(c, "SELECT nickname FROM users"));

    /// <summary>Creates a room; false when one with that name (in any case) exists.</summary>
    public Task<bool> CreateRoomAsync(string name, string createdBy, DateTimeOffset at) => RunAsync(c =>
    {
        using var command = Command(c, "INSERT OR IGNORE INTO rooms (name, created_by, created_at) VALUES ($name, $by, $at)",
            ("$name", name), ("$by", createdBy), ("$at", at.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery() == 1;
    });

    /// <summary>
    /// Stores a message. When the author already sent one with <paramref name="clientId"/> (a
    /// resend after a reconnect), that message is returned instead and nothing is added.
    /// </summary>
    public Task<(ChatMessage Message, bool Added)> AddMessageAsync(string? room, string? recipient, string author, string text, string? clientId, DateTimeOffset at) =>
        RunAsync(c =>
        {
            var conversation = ConversationKey(room, recipient, author);
            using var transaction = c.BeginTransaction();
            if (clientId is not null && FindByClientId(c, transaction, author, clientId) is { } existing)
            {
                return (existing, false);
            }
            using var command = Command(c,
                "INSERT INTO messages (conversation, room, recipient, author, text, sent_at, client_id) " +
                "VALUES ($conversation, $room, $recipient, $author, $text, $at, $clientId) RETURNING id",
                ("$conversation", conversation), ("$room", room), ("$recipient", recipient), ("$author", author),
                ("$text", text), ("$at", at.ToUnixTimeMilliseconds()), ("$clientId", clientId));
            command.Transaction = transaction;
            var id = (long)command.ExecuteScalar()!;
            transaction.Commit();
            return (new ChatMessage(id, room, recipient, author, text, DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()), clientId), true);
        });

    /// <summary>
    /// The newest <paramref name="limit"/> messages of a room before <paramref name="beforeId"/>
    /// (all when null), oldest first.
    /// </summary>
    public Task<ChatPage> RoomHistoryAsync(string room, long? beforeId, int limit) =>
        PageAsync(ConversationKey(room, null, ""), beforeId, limit);

    /// <summary>The newest messages between two users before <paramref name="beforeId"/>, oldest first.</summary>
    public Task<ChatPage> DirectHistoryAsync(string user, string other, long? beforeId, int limit) =>
        PageAsync(ConversationKey(null, other, user), beforeId, limit);

    /// <summary>A room's messages after <paramref name="afterId"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public Task<ChatPage> RoomMessagesAfterAsync(string room, long afterId, int limit) =>
        AfterAsync("conversation = $key", ("$key", ConversationKey(room, null, "")), afterId, limit);

    /// <summary>Direct messages to or from <paramref name="user"/> after <paramref name="afterId"/>, oldest first.</summary>
    public Task<ChatPage> DirectMessagesAfterAsync(string user, long afterId, int limit) =>
        AfterAsync("room IS NULL AND (author = $user COLLATE NOCASE OR recipient = $user COLLATE NOCASE)", ("$user", user), afterId, limit);

    /// <summary>The highest message id so far (0 when there is none).</summary>
    public Task<long> LastMessageIdAsync() => RunAsync(c => (long)(Scalar(c, "SELECT COALESCE(MAX(id), 0) FROM messages") ?? 0L));

    /// <summary>Records that <paramref name="nickname"/> was seen at <paramref name="at"/> (creating the user).</summary>
    public Task TouchUserAsync(string nickname, DateTimeOffset at) => RunAsync(c =>
    {
        using var command = Command(c,
            "INSERT INTO users (nickname, first_seen, last_seen) VALUES ($nick, $at, $at) " +
            "ON CONFLICT (nickname) DO UPDATE SET last_seen = excluded.last_seen",
            ("$nick", nickname), ("$at", at.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery();
    });

    /// <summary>When <paramref name="nickname"/> was last seen, or null for an unknown user.</summary>
    public Task<DateTimeOffset?> LastSeenAsync(string nickname) => RunAsync(c =>
        Scalar(c, "SELECT last_seen FROM users WHERE nickname = $nick COLLATE NOCASE", ("$nick", nickname)) is long ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : (DateTimeOffset?)null);

    /// <inheritdoc />
    public void Dispose()
    {
        // Pooled connections keep the file open; a test (or a restart in the same process) must be able to reopen or delete it.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>
    /// The key that groups a conversation's messages: the room's name in lower case, or both
    /// nicknames in lower case in order for a direct conversation (the same from either side).
    /// </summary>
    internal static string ConversationKey(string? room, string? recipient, string author)
    {
        if (room is not null)
        {
            return "room:" + room.ToLowerInvariant();
        }
        var a = author.ToLowerInvariant();
        var b = recipient!.ToLowerInvariant();
        return string.CompareOrdinal(a, b) <= 0 ? $"dm:{a}|{b}" : $"dm:{b}|{a}";
    }

    private Task<ChatPage> PageAsync(string conversation, long? beforeId, int limit) => RunAsync(c =>
    {
        using var command = Command(c,
            "SELECT id, room, recipient, author, text, sent_at, client_id FROM messages " +
            "WHERE conversation = $key AND id < $before ORDER BY id DESC LIMIT $limit",
            ("$key", conversation), ("$before", beforeId ?? long.MaxValue), ("$limit", limit + 1));
        var newestFirst = ReadMessages(command);
        var hasMore = newestFirst.Count > limit;
        var page = newestFirst.Take(limit).Reverse().ToList();
        return new ChatPage(page, hasMore);
    });

    private Task<ChatPage> AfterAsync(string where, (string, object?) parameter, long afterId, int limit) => RunAsync(c =>
    {
        using var command = Command(c,
            "SELECT id, room, recipient, author, text, sent_at, client_id FROM messages " +
            $"WHERE {where} AND id > $after ORDER BY id LIMIT $limit",
            parameter, ("$after", afterId), ("$limit", limit + 1));
        var messages = ReadMessages(command);
        // HasMore here means "more newer ones than returned": the client then asks again after the last.
        var hasMore = messages.Count > limit;
        return new ChatPage(hasMore ? messages[..limit] : messages, hasMore);
    });

    private static ChatMessage? FindByClientId(SqliteConnection c, SqliteTransaction transaction, string author, string clientId)
    {
        using var command = Command(c,
            "SELECT id, room, recipient, author, text, sent_at, client_id FROM messages WHERE author = $author AND client_id = $clientId",
            ("$author", author), ("$clientId", clientId));
        command.Transaction = transaction;
        return ReadMessages(command).FirstOrDefault();
    }

    private static List<ChatMessage> ReadMessages(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var messages = new List<ChatMessage>();
        while (reader.Read())
        {
            messages.Add(new ChatMessage(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return messages;
    }

    private Task<T> RunAsync<T>(Func<SqliteConnection, T> work) => Task.Run(() => Run(work));

    private T Run<T>(Func<SqliteConnection, T> work)
    {
        using var connection = Open();
        return work(connection);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    internal static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    private static object? Scalar(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }
}
