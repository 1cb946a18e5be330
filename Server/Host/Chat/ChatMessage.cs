namespace SocketIoChat.Host.Chat;

/// <summary>A stored chat message, in a room or between two users.</summary>
/// <param name="Id">Store-wide increasing id: clients resume after the highest one they have.</param>
/// <param name="Room">The room's name, or null for a direct message.</param>
/// <param name="Recipient">The addressee of a direct message, or null in a room.</param>
/// <param name="Author">The sender's nickname.</param>
/// <param name="Text">The text as typed (rendered as text by the client, never as HTML).</param>
/// <param name="SentAt">When the server accepted it.</param>
/// <param name="ClientId">The sender's own id for it, so that a resend after a reconnect is recognised.</param>
public sealed record ChatMessage(long Id, string? Room, string? Recipient, string Author, string Text, DateTimeOffset SentAt, string? ClientId)
{
    /// <summary>The message as sent to clients.</summary>
    public MessageView ToView() => new(Id, Room, Recipient, Author, Text, SentAt.ToUnixTimeMilliseconds(), ClientId);
}

/// <summary>A page of messages, oldest first, and whether older ones exist.</summary>
public sealed record ChatPage(IReadOnlyList<ChatMessage> Messages, bool HasMore)
{
    /// <summary>The messages as clients see them, oldest first.</summary>
    public MessageView[] Views() => [.. Messages.Select(m => m.ToView())];
}
