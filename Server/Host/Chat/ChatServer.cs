using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Newtonsoft.Json.Linq;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Host.Chat;

/// <summary>
/// The browser chat's Socket.IO namespace (<c>/chat</c>): nickname login, rooms, history,
/// presence, typing, direct messages, limits. The protocol (every event answers through its
/// acknowledgement with <c>{ ok: true, … }</c> or <c>{ ok: false, code, error }</c>) is described
/// in <c>docs/chat.md</c>.
/// </summary>
public sealed partial class ChatServer : IDisposable
{
    /// <summary>The namespace the chat lives in.</summary>
    public const string NamespaceName = "/chat";

    private const string SessionKey = "chat.session";
    private const int MaxClientIdLength = 64;
    private const int SyncLimit = 500;

    private readonly ChatOptions _options;
    private readonly ChatStore _store;
    private readonly ChatSessions _sessions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // Lower-case name -> name as created. Rooms are never deleted, so the cache only grows.
    private readonly ConcurrentDictionary<string, string> _rooms = new(StringComparer.Ordinal);
    // Lower-case nickname -> nickname as first used: who can receive direct messages.
    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);
    // Messages are stored and broadcast one at a time, so every client receives them in id order
    // and "the highest id I have" is a safe point to resume from after a reconnect.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Opens the store and loads the room and user names.</summary>
    public ChatServer(ChatOptions options, ChatStore store, TimeProvider time, ILogger<ChatServer> logger)
    {
        _options = options;
        _store = store;
        _time = time;
        _logger = logger;
        _sessions = new ChatSessions(options, time);
        foreach (var room in store.LoadRoomNames())
        {
            _rooms[room.ToLowerInvariant()] = room;
        }
        foreach (var user in store.LoadUserNames())
        {
            _users[user.ToLowerInvariant()] = user;
        }
    }

    /// <summary>The logged-in users.</summary>
    public ChatSessions Sessions => _sessions;

    /// <summary>Adds the <c>/chat</c> namespace to <paramref name="io"/>.</summary>
    public void Register(SocketIoServer io)
    {
        var ns = io.Of(NamespaceName);
        ns.Use(socket =>
        {
            Login(socket);
            return Task.CompletedTask;
        });
        ns.OnConnection(socket => OnConnectedAsync(ns, socket));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sessions.Dispose();
        _writeLock.Dispose();
    }

    [GeneratedRegex(@"^[\p{L}\p{N}_.\-]{1,24}$")]
    private static partial Regex NicknamePattern();

    [GeneratedRegex(@"^[\p{L}\p{N}_\-]{1,32}$")]
    private static partial Regex RoomNamePattern();

    private static string RoomKey(string room) => "room:" + room.ToLowerInvariant();

    private static string UserKey(string nickname) => "user:" + nickname.ToLowerInvariant();

    private static ChatSession SessionOf(Socket socket) => (ChatSession)socket.Data[SessionKey]!;

    private void Login(Socket socket)
    {
        var nickname = (Text(socket.Auth, "nickname") ?? "").Trim();
        if (!NicknamePattern().IsMatch(nickname))
        {
            throw new SocketIoConnectionException(
                "Pick a nickname of 1 to 24 letters, digits, '.', '_' or '-'.", new { code = "invalid_nickname" });
        }
        var session = _sessions.Login(nickname, Text(socket.Auth, "token"), socket.Id)
            ?? throw new SocketIoConnectionException(
                $"The nickname \"{nickname}\" is taken: pick another one.", new { code = "nickname_taken" });
        socket.Data[SessionKey] = session;
        _users.TryAdd(nickname.ToLowerInvariant(), nickname);
    }

    private async Task OnConnectedAsync(Namespace ns, Socket socket)
    {
        var session = SessionOf(socket);
        // Handlers first: the client answers "session" with "sync" right away.
        socket.On("sync", e => Guard(e, () => SyncAsync(ns, socket, session, e)));
        socket.On("room:join", e => Guard(e, () => JoinAsync(ns, socket, e)));
        socket.On("room:leave", e => Guard(e, () => LeaveAsync(ns, socket, e)));
        socket.On("room:create", e => Guard(e, () => CreateRoomAsync(ns, socket, session, e)));
        socket.On("dm:open", e => Guard(e, () => OpenDirectAsync(session, e)));
        socket.On("history", e => Guard(e, () => HistoryAsync(session, e)));
        socket.On("message", e => Guard(e, () => SendAsync(socket, session, e)));
        socket.On("typing", e => Guard(e, () => Typing(socket, session, e)));
        socket.On("logout", e => Guard(e, () =>
        {
            _sessions.MarkLoggedOut(session);
            return Task.FromResult<object?>(new OkAnswer());
        }));

        string[] chatRooms = [];
        socket.OnDisconnecting(_ => chatRooms = [.. socket.Rooms.Where(r => r.StartsWith("room:", StringComparison.Ordinal))]);
        socket.OnDisconnect(reason =>
        {
            foreach (var room in chatRooms)
            {
                EmitPresence(ns, room);
            }
            if (_sessions.Logout(session, socket.Id))
            {
                // Not awaited (disconnect handlers are synchronous); TouchAsync logs its own failures.
                _ = TouchAsync(session.Nickname);
            }
        });

        socket.Join(UserKey(session.Nickname));
        // Seen before welcomed: whatever the client does next finds the user with a last-seen time.
        await TouchAsync(session.Nickname);
        socket.Emit("session", new SessionView(session.Nickname, session.Token));
        socket.Emit("rooms", RoomList());
    }

    private async Task TouchAsync(string nickname)
    {
        try
        {
            await _store.TouchUserAsync(nickname, _time.GetUtcNow());
        }
        catch (Exception ex)
        {
            ChatLog.StoreFailed(_logger, "last-seen", ex);
        }
    }

    // A list, not an array: an array would be spread into the emit's params as separate arguments.
    private List<RoomEntry> RoomList() => [.. _rooms.Values.Order(StringComparer.OrdinalIgnoreCase).Select(r => new RoomEntry(r))];

    /// <summary>
    /// After a (re)connect: joins the rooms the client had open and sends what it missed in each
    /// (after the last id it has) plus direct messages after <c>dmAfter</c>.
    /// </summary>
    private async Task<object?> SyncAsync(Namespace ns, Socket socket, ChatSession session, SocketEvent e)
    {
        var data = e.Arg(0) as JObject ?? [];
        var wanted = new List<(string Room, long? After)>();
        foreach (var item in (data["rooms"] as JArray ?? []).OfType<JObject>().Take(100))
        {
            if (Text(item, "room") is { } name && _rooms.TryGetValue(name.ToLowerInvariant(), out var room))
            {
                wanted.Add((room, Number(item, "after")));
            }
        }
        // Join before reading: a message stored from now on is broadcast to this socket, one
        // stored before is in the query; the client drops the ids it gets twice.
        foreach (var (room, _) in wanted)
        {
            socket.Join(RoomKey(room));
        }
        var lastId = await _store.LastMessageIdAsync();
        var rooms = new List<RoomState>();
        foreach (var (room, after) in wanted)
        {
            var page = after is { } a
                ? await _store.RoomMessagesAfterAsync(room, a, SyncLimit)
                : await _store.RoomHistoryAsync(room, null, _options.HistoryPageSize);
            rooms.Add(new RoomState(room, page.Views(), after is null && page.HasMore, Users(ns, room)));
        }
        var direct = Number(data, "dmAfter") is { } dmAfter
            ? (await _store.DirectMessagesAfterAsync(session.Nickname, dmAfter, SyncLimit)).Views()
            : [];
        foreach (var (room, _) in wanted)
        {
            EmitPresence(ns, RoomKey(room));
        }
        return new SyncAnswer(true, rooms, direct, lastId);
    }

    private async Task<object?> JoinAsync(Namespace ns, Socket socket, SocketEvent e)
    {
        if (!TryRoom(e, out var room, out var refusal))
        {
            return refusal;
        }
        socket.Join(RoomKey(room));
        var page = await _store.RoomHistoryAsync(room, null, _options.HistoryPageSize);
        EmitPresence(ns, RoomKey(room));
        return new RoomAnswer(true, room, page.Views(), page.HasMore, Users(ns, room));
    }

    private Task<object?> LeaveAsync(Namespace ns, Socket socket, SocketEvent e)
    {
        if (!TryRoom(e, out var room, out var refusal))
        {
            return Task.FromResult<object?>(refusal);
        }
        socket.Leave(RoomKey(room));
        EmitPresence(ns, RoomKey(room));
        return Task.FromResult<object?>(new LeaveAnswer(true, room));
    }

    private async Task<object?> CreateRoomAsync(Namespace ns, Socket socket, ChatSession session, SocketEvent e)
    {
        var name = (Text(e.Arg(0) as JObject, "room") ?? "").Trim();
        if (!RoomNamePattern().IsMatch(name))
        {
            return Refuse("invalid_room", "A room name has 1 to 32 letters, digits, '_' or '-'.");
        }
        if (_rooms.ContainsKey(name.ToLowerInvariant()) || !await _store.CreateRoomAsync(name, session.Nickname, _time.GetUtcNow()))
        {
            return Refuse("room_exists", $"There is already a room called \"{name}\".");
        }
        _rooms[name.ToLowerInvariant()] = name;
        ns.Emit("rooms", RoomList());
        socket.Join(RoomKey(name));
        EmitPresence(ns, RoomKey(name));
        return new RoomAnswer(true, name, [], false, Users(ns, name));
    }

    private async Task<object?> OpenDirectAsync(ChatSession session, SocketEvent e)
    {
        if (!TryUser(e.Arg(0) as JObject, session, out var other, out var refusal))
        {
            return refusal;
        }
        var page = await _store.DirectHistoryAsync(session.Nickname, other, null, _options.HistoryPageSize);
        var lastSeen = await _store.LastSeenAsync(other);
        return new DirectAnswer(true, other, _sessions.IsOnline(other), lastSeen?.ToUnixTimeMilliseconds(), page.Views(), page.HasMore);
    }

    private async Task<object?> HistoryAsync(ChatSession session, SocketEvent e)
    {
        var data = e.Arg(0) as JObject;
        var before = Number(data, "before");
        ChatPage page;
        if (Text(data, "with") is not null)
        {
            if (!TryUser(data, session, out var other, out var refusal))
            {
                return refusal;
            }
            page = await _store.DirectHistoryAsync(session.Nickname, other, before, _options.HistoryPageSize);
        }
        else
        {
            if (!TryRoom(e, out var room, out var refusal))
            {
                return refusal;
            }
            page = await _store.RoomHistoryAsync(room, before, _options.HistoryPageSize);
        }
        return new HistoryAnswer(true, page.Views(), page.HasMore);
    }

    private async Task<object?> SendAsync(Socket socket, ChatSession session, SocketEvent e)
    {
        // Everything up to the lock runs synchronously, in the order the client sent its
        // messages, so they are stored in that order too.
        var data = e.Arg(0) as JObject;
        var text = Text(data, "text");
        if (string.IsNullOrWhiteSpace(text))
        {
            return Refuse("empty", "A message needs some text.");
        }
        var length = CountCharacters(text);
        if (length > _options.MaxMessageLength)
        {
            return Refuse("too_long", string.Create(CultureInfo.InvariantCulture,
                $"Messages are limited to {_options.MaxMessageLength:N0} characters; this one has {length:N0}."));
        }
        var clientId = Text(data, "clientId") is { Length: > 0 and <= MaxClientIdLength } id ? id : null;
        string? room = null;
        string? recipient = null;
        if (Text(data, "to") is not null)
        {
            if (!TryUser(data, session, out var other, out var refusal))
            {
                return refusal;
            }
            recipient = other;
        }
        else if (Text(data, "room") is { } name && _rooms.TryGetValue(name.ToLowerInvariant(), out var known) && socket.Rooms.Contains(RoomKey(known)))
        {
            room = known;
        }
        else
        {
            return Refuse("not_in_room", "Join the room before writing in it.");
        }
        using (var lease = session.Limiter.AttemptAcquire())
        {
            if (!lease.IsAcquired)
            {
                return Refuse("rate_limited", string.Create(CultureInfo.InvariantCulture,
                    $"You are sending messages too fast: up to {_options.RateLimitBurst} at once, then one every {_options.RateLimitPeriod.TotalSeconds:0.#} s. Wait a moment and try again."));
            }
        }

        await _writeLock.WaitAsync();
        try
        {
            var (message, added) = await _store.AddMessageAsync(room, recipient, session.Nickname, text, clientId, _time.GetUtcNow());
            var view = message.ToView();
            if (added)
            {
                // The sender's socket gets the message in its acknowledgement; its other tabs get the broadcast.
                var targets = room is not null ? socket.To(RoomKey(room)) : socket.To(UserKey(recipient!), UserKey(session.Nickname));
                targets.Emit("message", view);
            }
            // Acknowledged under the lock too: the sender sees its message in id order with the broadcasts.
            e.Ack(new SentAnswer(true, view));
            return null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task<object?> Typing(Socket socket, ChatSession session, SocketEvent e)
    {
        var data = e.Arg(0) as JObject;
        var typing = data?["typing"]?.Type == JTokenType.Boolean && data["typing"]!.Value<bool>();
        if (Text(data, "to") is not null)
        {
            if (TryUser(data, session, out var other, out _))
            {
                socket.To(UserKey(other)).Emit("typing", new TypingView(null, session.Nickname, session.Nickname, typing));
            }
        }
        else if (Text(data, "room") is { } name && _rooms.TryGetValue(name.ToLowerInvariant(), out var room) && socket.Rooms.Contains(RoomKey(room)))
        {
            socket.To(RoomKey(room)).Emit("typing", new TypingView(room, null, session.Nickname, typing));
        }
        return Task.FromResult<object?>(null);
    }

    private void EmitPresence(Namespace ns, string roomKey)
    {
        if (_rooms.TryGetValue(roomKey["room:".Length..], out var room))
        {
            ns.To(roomKey).Emit("presence", new PresenceView(room, Users(ns, room)));
        }
    }

    private static string[] Users(Namespace ns, string room)
    {
        var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in ns.To(RoomKey(room)).SocketIds())
        {
            if (ns.Sockets.TryGetValue(id, out var socket) && socket.Data.TryGetValue(SessionKey, out var value) && value is ChatSession session)
            {
                names.Add(session.Nickname);
            }
        }
        return [.. names];
    }

    private bool TryRoom(SocketEvent e, out string room, [NotNullWhen(false)] out RefusalAnswer? refusal)
    {
        var name = Text(e.Arg(0) as JObject, "room");
        if (name is not null && _rooms.TryGetValue(name.ToLowerInvariant(), out var known))
        {
            room = known;
            refusal = null;
            return true;
        }
        room = "";
        refusal = Refuse("no_room", name is null ? "Which room?" : $"There is no room called \"{name}\".");
        return false;
    }

    private bool TryUser(JObject? data, ChatSession session, out string user, [NotNullWhen(false)] out RefusalAnswer? refusal)
    {
        var name = Text(data, "to") ?? Text(data, "with");
        if (name is not null && _users.TryGetValue(name.ToLowerInvariant(), out var known)
            && !string.Equals(known, session.Nickname, StringComparison.OrdinalIgnoreCase))
        {
            user = known;
            refusal = null;
            return true;
        }
        user = "";
        refusal = Refuse("no_user", name is null ? "Who to?" : $"There is no other user called \"{name}\".");
        return false;
    }

    /// <summary>Runs a handler and answers its acknowledgement; a failure is logged and answered, never thrown.</summary>
    private async Task Guard(SocketEvent e, Func<Task<object?>> handler)
    {
        object? answer;
        try
        {
            answer = await handler();
        }
        catch (Exception ex)
        {
            ChatLog.HandlerFailed(_logger, e.Name, ex);
            answer = Refuse("server_error", "Something went wrong on the server; please try again.");
        }
        // Null: the handler answered itself, or the event has no answer.
        if (answer is not null)
        {
            e.Ack(answer);
        }
    }

    private static RefusalAnswer Refuse(string code, string error) => new(false, code, error);

    private static string? Text(JObject? data, string name) =>
        data?[name] is { Type: JTokenType.String } token ? token.Value<string>() : null;

    private static long? Number(JObject? data, string name) =>
        data?[name] is { Type: JTokenType.Integer } token ? token.Value<long>() : null;

    /// <summary>Characters as people count them in a limit: code points, so an emoji is one, not two.</summary>
    private static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }
        return count;
    }
}

/// <summary>Log messages of the chat.</summary>
internal static partial class ChatLog
{
    [LoggerMessage(1, LogLevel.Error, "Chat handler for \"{EventName}\" failed")]
    public static partial void HandlerFailed(ILogger logger, string eventName, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "Chat store operation \"{Operation}\" failed")]
    public static partial void StoreFailed(ILogger logger, string operation, Exception exception);
}
