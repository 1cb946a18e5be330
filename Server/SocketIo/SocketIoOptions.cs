using Newtonsoft.Json;
using SocketIoChat.EngineIo;

namespace SocketIoChat.SocketIo;

/// <summary>
/// Socket.IO settings, bound from the <c>SocketIo</c> configuration section. The Engine.IO settings
/// (ping interval and timeout, buffer size, transports) are inherited; names and defaults follow
/// the Node reference server.
/// </summary>
public sealed class SocketIoOptions : EngineIoOptions
{
    /// <summary>How long an engine connection may stay without joining any namespace. Default 45 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Binary attachments one packet may announce (the reference parser's <c>maxAttachments</c>);
    /// a packet announcing more, or whose attachments add up to more than <c>MaxHttpBufferSize</c>,
    /// closes the connection (<c>parse error</c>) instead of being held. Default 10.
    /// </summary>
    public int MaxAttachments { get; set; } = 10;

    /// <summary>
    /// How long <c>EmitWithAckAsync</c> waits for the client's answer unless a timeout is given.
    /// Default 30 s (the Node server waits forever; a bound keeps forgotten acks from piling up).
    /// </summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a child namespace created by a parent namespace (<c>io.Of(regex)</c>) is removed once
    /// its last socket leaves (Node <c>cleanupEmptyChildNamespaces</c>). Default false.
    /// </summary>
    public bool CleanupEmptyChildNamespaces { get; set; }

    /// <summary>
    /// Connection state recovery (Node <c>connectionStateRecovery</c>): null (the default) turns it
    /// off; an instance (configuration section <c>SocketIo:ConnectionStateRecovery</c>) turns it on.
    /// </summary>
    public ConnectionStateRecoveryOptions? ConnectionStateRecovery { get; set; }

    /// <summary>Whether the client bundle is served at <c>{path}/socket.io.js</c>. Default true.</summary>
    public bool ServeClient { get; set; } = true;

    /// <summary>
    /// Folder holding another socket.io-client browser bundle to serve (<c>socket.io.js</c>,
    /// <c>socket.io.min.js</c> and their maps); by default (null) the socket.io-client 4.x bundle
    /// embedded in this library.
    /// </summary>
    public string? ClientScriptDirectory { get; set; }

    /// <summary>
    /// How C# values become JSON for clients and how typed handler parameters are read, with
    /// Newtonsoft.Json. Default <see cref="SocketIoJson.CreateDefaultSettings"/> (camelCase property
    /// names); set <c>ContractResolver = new DefaultContractResolver()</c> to keep the C# names.
    /// Tokens (<c>JToken</c>), strings, numbers, booleans and <c>byte[]</c> are written as they are.
    /// Read once, when the server starts.
    /// </summary>
    public JsonSerializerSettings JsonSerializerSettings { get; set; } = SocketIoJson.CreateDefaultSettings();
}
