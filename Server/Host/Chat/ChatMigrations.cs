using Microsoft.Data.Sqlite;

namespace SocketIoChat.Host.Chat;

/// <summary>
/// The chat's schema as an ordered list of steps. <c>PRAGMA user_version</c> holds the number of
/// steps applied; on start the missing ones run in order, each in its own transaction. Append new
/// steps, never change an applied one.
/// </summary>
internal static class ChatMigrations
{
    /// <summary>Step n (1-based) brings the schema from version n-1 to n.</summary>
    internal static readonly string[] Steps =
    [
        // 1: rooms, messages (rooms and direct), users' last-seen; the room everyone starts in.
        """
        CREATE TABLE rooms (
            name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation TEXT NOT NULL,
            room TEXT NULL,
            recipient TEXT NULL,
            author TEXT NOT NULL,
            text TEXT NOT NULL,
            sent_at INTEGER NOT NULL
        );
        CREATE INDEX messages_by_conversation ON messages (conversation, id);
        CREATE TABLE users (
            nickname TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL
        );
        INSERT INTO rooms (name, created_by, created_at) VALUES ('general', 'server', 0);
        """,
        // 2: the sender's own id of a message, so that a resend after a reconnect is not stored twice.
        """
        ALTER TABLE messages ADD COLUMN client_id TEXT NULL;
        CREATE UNIQUE INDEX messages_by_client_id ON messages (author, client_id) WHERE client_id IS NOT NULL;
        """,
    ];

    /// <summary>Applies the steps the database does not have yet; returns the resulting version.</summary>
    internal static int Apply(SqliteConnection connection)
    {
        // WAL lets readers (history) go on while a message is written; it is a property of the file.
        using (var wal = ChatStore.Command(connection, "PRAGMA journal_mode = WAL"))
        {
            wal.ExecuteNonQuery();
        }
        var version = CurrentVersion(connection);
        if (version > Steps.Length)
        {
            throw new InvalidOperationException(
                $"The chat database is at schema version {version}, newer than this server's {Steps.Length}: refusing to use it.");
        }
        for (var step = version; step < Steps.Length; step++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = ChatStore.Command(connection, Steps[step] + $"\nPRAGMA user_version = {step + 1};");
            command.Transaction = transaction;
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        return Steps.Length;
    }

    private static int CurrentVersion(SqliteConnection connection)
    {
        using var command = ChatStore.Command(connection, "PRAGMA user_version");
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
