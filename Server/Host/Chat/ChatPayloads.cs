using Newtonsoft.Json;

namespace SocketIoChat.Host.Chat;

// What the chat sends to its clients, as C# records: the server writes them camelCase (the library's
// default JSON settings), so these names are the protocol of docs/chat.md. Every acknowledgement
// starts with "ok".

/// <summary>A message as clients see it; <paramref name="SentAt"/> in Unix milliseconds.</summary>
public sealed record MessageView(long Id, string? Room, string? To, string Author, string Text, long SentAt, string? ClientId);

/// <summary>The <c>session</c> event: who the socket is logged in as, and the token to resume with.</summary>
public sealed record SessionView(string Nickname, string Token);

/// <summary>One entry of the <c>rooms</c> event.</summary>
public sealed record RoomEntry(string Name);

/// <summary>A room the client opened: its latest messages and who is in it.</summary>
public sealed record RoomState(string Room, IReadOnlyList<MessageView> Messages, bool HasMore, IReadOnlyList<string> Users);

/// <summary>The <c>presence</c> event: who is in a room now.</summary>
public sealed record PresenceView(string Room, IReadOnlyList<string> Users);

/// <summary>The <c>typing</c> event; <paramref name="From"/> only for a direct conversation.</summary>
public sealed record TypingView(
    string? Room,
    [property: JsonProperty(NullValueHandling = NullValueHandling.Ignore)] string? From,
    string Nickname,
    bool Typing);

/// <summary>An acknowledgement with nothing more to say.</summary>
public sealed record OkAnswer(bool Ok = true);

/// <summary>A refused request (<paramref name="Ok"/> false): a stable <paramref name="Code"/> and a sentence for people.</summary>
public sealed record RefusalAnswer(bool Ok, string Code, string Error);

/// <summary>The answer to <c>room:join</c> and <c>room:create</c>.</summary>
public sealed record RoomAnswer(bool Ok, string Room, IReadOnlyList<MessageView> Messages, bool HasMore, IReadOnlyList<string> Users);

/// <summary>The answer to <c>room:leave</c>.</summary>
public sealed record LeaveAnswer(bool Ok, string Room);

/// <summary>The answer to <c>sync</c>: the rooms asked for, direct messages missed, the newest id.</summary>
public sealed record SyncAnswer(bool Ok, IReadOnlyList<RoomState> Rooms, IReadOnlyList<MessageView> Direct, long LastId);

/// <summary>The answer to <c>dm:open</c>; <paramref name="LastSeen"/> in Unix milliseconds.</summary>
public sealed record DirectAnswer(bool Ok, string With, bool Online, long? LastSeen, IReadOnlyList<MessageView> Messages, bool HasMore);

/// <summary>The answer to <c>history</c>: an older page.</summary>
public sealed record HistoryAnswer(bool Ok, IReadOnlyList<MessageView> Messages, bool HasMore);

/// <summary>The answer to <c>message</c>: the message as stored.</summary>
public sealed record SentAnswer(bool Ok, MessageView Message);
