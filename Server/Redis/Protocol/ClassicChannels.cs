namespace SocketIoChat.Redis.Protocol;

/// <summary>What a channel name received through a <c>P*</c> pattern subscription is.</summary>
internal enum ChannelKind
{
    /// <summary>Not a channel of this key (e.g. <c>P-foo</c>) or, for <see cref="ClassicChannels.Match"/>, not of this namespace.</summary>
    Foreign,

    /// <summary>A broadcast: the base channel <c>P#N#</c> (<see cref="ChannelMatch.Room"/> null) or a single-room channel <c>P#N#room#</c>.</summary>
    Broadcast,

    /// <summary>The request channel <c>P-request#N#</c>.</summary>
    Request,

    /// <summary>The common response channel <c>P-response#N#</c>.</summary>
    Response,

    /// <summary>A specific response channel <c>P-response#N#uid#</c> (<see cref="ChannelMatch.Uid"/>).</summary>
    SpecificResponse,
}

/// <summary>A channel name as seen by one namespace's adapter.</summary>
/// <param name="Kind">What the channel is.</param>
/// <param name="Room">For a single-room broadcast channel: the room (may contain <c>#</c>).</param>
/// <param name="Uid">For a specific response channel: the uid it is meant for.</param>
internal readonly record struct ChannelMatch(ChannelKind Kind, string? Room = null, string? Uid = null);

/// <summary>A channel name of a key, with the namespace it names.</summary>
internal readonly record struct ParsedChannel(ChannelKind Kind, string? Namespace = null, string? Room = null, string? Uid = null);

/// <summary>
/// The channels of one namespace of the classic adapter (<c>P</c> = key, default <c>"socket.io"</c>; <c>N</c> = namespace
/// name with its leading <c>/</c>): broadcast <c>P#N#</c> and <c>P#N#room#</c> (received through <see cref="BroadcastPattern"/>),
/// requests <c>P-request#N#</c>, responses <c>P-response#N#</c> and <c>P-response#N#uid#</c>.
/// </summary>
/// <remarks>
/// Channels are plain strings; build <c>RedisChannel</c>s from them explicitly (literal or pattern), never implicitly,
/// as a room name may contain <c>*</c> or <c>?</c>.
/// </remarks>
internal sealed class ClassicChannels
{
    /// <summary>The default key of Node's adapter and emitter.</summary>
    public const string DefaultKey = "socket.io";

    /// <summary>The channels of namespace <paramref name="nsp"/> under <paramref name="key"/>.</summary>
    public ClassicChannels(string key, string nsp)
    {
        Key = key;
        Namespace = nsp;
        BroadcastBase = key + "#" + nsp + "#";
        Request = key + "-request#" + nsp + "#";
        Response = key + "-response#" + nsp + "#";
    }

    /// <summary>The key (prefix).</summary>
    public string Key { get; }

    /// <summary>The namespace name.</summary>
    public string Namespace { get; }

    /// <summary><c>P#N#</c>: broadcasts to all sockets or to several rooms.</summary>
    public string BroadcastBase { get; }

    /// <summary><c>P#N#*</c>: what Node PSUBSCRIBEs for this namespace (it matches the base channel too).</summary>
    public string BroadcastPattern => BroadcastBase + "*";

    /// <summary><c>P-request#N#</c>.</summary>
    public string Request { get; }

    /// <summary><c>P-response#N#</c>.</summary>
    public string Response { get; }

    /// <summary><c>P*</c>: one pattern covering every channel of the key (and foreign ones like <c>P-foo</c>: filter with <see cref="Match"/>).</summary>
    public static string KeyPattern(string key) => key + "*";

    /// <summary><c>P#N#room#</c>: a broadcast to exactly one room (the room name inserted as it is).</summary>
    public string RoomChannel(string room) => BroadcastBase + room + "#";

    /// <summary>The channel Node publishes a broadcast on: the room's channel for exactly one room, else the base channel.</summary>
    public string BroadcastChannel(IReadOnlyCollection<string> rooms) =>
        rooms.Count == 1 ? RoomChannel(rooms.First()) : BroadcastBase;

    /// <summary><c>P-response#N#uid#</c>: the responses meant for the node with <paramref name="uid"/>.</summary>
    public string SpecificResponse(string uid) => Response + uid + "#";

    /// <summary>
    /// Classifies <paramref name="channel"/> for this namespace, as Node's adapter of this namespace would see it:
    /// exact request and response channels; <c>P-response#N#uid#</c>; and, following Node's receiver, any channel
    /// starting with <c>P#N#</c> is a broadcast whose room is the rest without its last character (the trailing
    /// <c>#</c>; the room may contain <c>#</c>); an empty room (<c>P#N#</c>, <c>P#N##</c>) means the base channel. Everything else is
    /// <see cref="ChannelKind.Foreign"/>, including the channels of other namespaces and of other keys.
    /// </summary>
    /// <remarks>
    /// As with Node's per-namespace pattern subscriptions, a channel of namespace <c>/a#b</c> also matches namespace
    /// <c>/a</c> (as a broadcast to room <c>b</c>); the packet's <c>nsp</c> then tells them apart.
    /// </remarks>
    public ChannelMatch Match(string channel)
    {
        if (channel.StartsWith(BroadcastBase, StringComparison.Ordinal))
        {
            var rest = channel.Length - BroadcastBase.Length;
            return new ChannelMatch(ChannelKind.Broadcast, rest <= 1 ? null : channel.Substring(BroadcastBase.Length, rest - 1));
        }
        if (string.Equals(channel, Request, StringComparison.Ordinal))
        {
            return new ChannelMatch(ChannelKind.Request);
        }
        if (channel.StartsWith(Response, StringComparison.Ordinal))
        {
            if (channel.Length == Response.Length)
            {
                return new ChannelMatch(ChannelKind.Response);
            }
            if (channel.Length > Response.Length + 1 && channel[^1] == '#')
            {
                return new ChannelMatch(ChannelKind.SpecificResponse, Uid: channel[Response.Length..^1]);
            }
        }
        return new ChannelMatch(ChannelKind.Foreign);
    }

    /// <summary>
    /// Classifies <paramref name="channel"/> under <paramref name="key"/> without knowing the namespaces: the namespace
    /// must start with <c>/</c> and is read up to the next <c>#</c> (so a namespace containing <c>#</c> is misread:
    /// use <see cref="Match"/> of each known namespace when that matters). Request channels are read exactly.
    /// </summary>
    public static ParsedChannel Parse(string key, string channel)
    {
        if (!channel.StartsWith(key, StringComparison.Ordinal))
        {
            return new ParsedChannel(ChannelKind.Foreign);
        }
        var rest = channel.AsSpan(key.Length);
        if (rest.StartsWith("#/"))
        {
            var nspLength = rest[1..].IndexOf('#');
            if (nspLength < 0)
            {
                return new ParsedChannel(ChannelKind.Foreign);
            }
            var nsp = rest.Slice(1, nspLength).ToString();
            var after = rest[(nspLength + 2)..];
            return new ParsedChannel(ChannelKind.Broadcast, nsp, after.Length <= 1 ? null : after[..^1].ToString());
        }
        if (rest.StartsWith("-request#/") && rest.EndsWith("#"))
        {
            return new ParsedChannel(ChannelKind.Request, rest["-request#".Length..^1].ToString());
        }
        if (rest.StartsWith("-response#/"))
        {
            var body = rest["-response#".Length..];
            var nspLength = body.IndexOf('#');
            if (nspLength < 0)
            {
                return new ParsedChannel(ChannelKind.Foreign);
            }
            var nsp = body[..nspLength].ToString();
            var after = body[(nspLength + 1)..];
            if (after.Length == 0)
            {
                return new ParsedChannel(ChannelKind.Response, nsp);
            }
            if (after.Length > 1 && after[^1] == '#')
            {
                return new ParsedChannel(ChannelKind.SpecificResponse, nsp, Uid: after[..^1].ToString());
            }
        }
        return new ParsedChannel(ChannelKind.Foreign);
    }
}
