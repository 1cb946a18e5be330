using Newtonsoft.Json.Linq;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo.Protocol;

namespace SocketIoChat.SocketIo;

/// <summary>
/// The Socket.IO side of one engine connection: decodes its packets, routes them to the socket of
/// each namespace it joined, and enforces the connect timeout.
/// </summary>
internal sealed class Client
{
    private readonly SocketIoServer _server;
    private readonly SocketPacketDecoder _decoder;
    // One socket per joined namespace, usually one: a small array replaced under lock (this) and
    // read without it (lighter than a dictionary for an idle connection, and as fast for a few).
    private Socket[] _sockets = [];
    // Cancels the connect timeout; set while it runs, dropped once a namespace is joined.
    private CancellationTokenSource? _connectWait;
    private int _closed;

    public Client(SocketIoServer server, IEngineConnection connection)
    {
        _server = server;
        _decoder = new SocketPacketDecoder(server.Options.MaxAttachments, server.Options.MaxHttpBufferSize);
        Connection = connection;
        Protocol = SocketProtocol.For(connection);
    }

    public IEngineConnection Connection { get; }

    public SocketProtocol Protocol { get; }

    public void Start()
    {
        if (Protocol.ConnectsMainNamespaceOnOpen)
        {
            // Older clients never ask for "/": they are in it from the start.
            _ = ConnectAsync("/", []);
        }
        else
        {
            _ = CloseUnlessConnectedAsync();
        }
    }

    private async Task CloseUnlessConnectedAsync()
    {
        var wait = new CancellationTokenSource();
        Interlocked.Exchange(ref _connectWait, wait);
        // A close that came first did not see the source (both sides publish with a full fence).
        if (Volatile.Read(ref _closed) == 1)
        {
            return;
        }
        // Cancelling is the common ending (the client connected): awaited without throwing, since
        // an exception per connection is a measurable share of the connect path's cost.
        await Task.Delay(_server.Options.ConnectTimeout, _server.Time, wait.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Interlocked.CompareExchange(ref _connectWait, null, wait);
        if (wait.IsCancellationRequested)
        {
            return;
        }
        SocketIoLog.ConnectTimeout(_server.Logger, Connection.Id);
        Connection.Close(DisconnectReason.ForcedClose);
    }

    public bool Send(EngineMessage[] messages, bool isVolatile = false)
    {
        if (isVolatile && !Connection.IsWritable)
        {
            return false;
        }
        foreach (var message in messages)
        {
            if (!Connection.Send(message))
            {
                return false;
            }
        }
        return true;
    }

    public void OnMessage(ReadOnlySpan<byte> data, bool isBinary)
    {
        switch (_decoder.Decode(data, isBinary, out var packet, out var error))
        {
            case SocketPacketDecoder.Result.Error:
                SocketIoLog.InvalidPacket(_server.Logger, Connection.Id, error);
                Connection.Close(DisconnectReason.ParseError);
                return;
            case SocketPacketDecoder.Result.NeedMore:
                return;
        }
        Dispatch(packet!);
    }

    private void Dispatch(SocketPacket packet)
    {
        if (packet.Type == SocketPacketType.Connect)
        {
            if (Protocol.ConnectsMainNamespaceOnOpen)
            {
                ConnectLegacy(packet);
            }
            else
            {
                _ = ConnectAsync(packet.Namespace, packet.Data as JObject ?? []);
            }
            return;
        }
        if (packet.Type == SocketPacketType.ConnectError)
        {
            SocketIoLog.InvalidPacket(_server.Logger, Connection.Id, "CONNECT_ERROR from a client");
            Connection.Close(DisconnectReason.ParseError);
            return;
        }
        var socket = Find(packet.Namespace);
        if (socket is null)
        {
            // The protocol says a server that does not get a CONNECT first MUST close the
            // connection; the reference server closes on any packet for a namespace the client
            // has not joined (or has left), and so do we.
            SocketIoLog.NotConnected(_server.Logger, Connection.Id, packet.Namespace);
            Connection.Close(DisconnectReason.ForcedServerClose);
            return;
        }
        switch (packet.Type)
        {
            case SocketPacketType.Disconnect:
                socket.OnClose(DisconnectReason.ClientNamespaceDisconnect);
                break;
            case SocketPacketType.Event or SocketPacketType.BinaryEvent:
                socket.OnEvent(packet);
                break;
            case SocketPacketType.Ack or SocketPacketType.BinaryAck:
                socket.OnAck(packet);
                break;
        }
    }

    /// <summary>
    /// A CONNECT from a 1.x/2.x client: the namespace may carry a query (<c>/chat?token=1</c>),
    /// which becomes the auth object, as the reference server does.
    /// </summary>
    private void ConnectLegacy(SocketPacket packet)
    {
        var nsp = packet.Namespace;
        if (nsp != "/")
        {
            Connection.SetClientGeneration(legacy: !packet.NamespaceDelimited);
        }
        var auth = new JObject();
        var question = nsp.IndexOf('?');
        if (question >= 0)
        {
            foreach (var (key, value) in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(nsp[question..]))
            {
                auth[key] = value.ToString();
            }
            nsp = nsp[..question];
        }
        _ = ConnectAsync(nsp, auth);
    }

    private async Task ConnectAsync(string nsp, JObject auth)
    {
        // A cleaned-up child namespace may vanish between lookup and acceptance; the next lookup
        // then creates a fresh one, so try again (a bounded number of times).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var ns = await _server.FindNamespaceAsync(nsp, auth);
            if (ns is null)
            {
                break;
            }
            if (Find(nsp) is not null)
            {
                return; // already connected: a repeated CONNECT changes nothing
            }
            if (await ns.ConnectAsync(this, auth) == Namespace.ConnectOutcome.Done)
            {
                if (Find(nsp) is null)
                {
                    return;
                }
                StopConnectWait();
                return;
            }
        }
        Refuse(nsp, "Invalid namespace", null);
    }

    /// <summary>Routes this connection's packets for the socket's namespace to it; false when one is already there.</summary>
    internal bool Register(Socket socket)
    {
        lock (this)
        {
            if (Find(socket.Namespace.Name) is not null)
            {
                return false;
            }
            _sockets = [.. _sockets, socket];
            return true;
        }
    }

    internal void Refuse(string nsp, string message, JToken? data)
    {
        SocketIoLog.ConnectRefused(_server.Logger, Connection.Id, nsp, message);
        Send(Protocol.ConnectRefused(nsp, message, data));
    }

    /// <summary>A socket left its namespace; the engine connection stays open.</summary>
    public void Remove(Socket socket)
    {
        lock (this)
        {
            if (Array.IndexOf(_sockets, socket) is var index and >= 0)
            {
                _sockets = [.. _sockets[..index], .. _sockets[(index + 1)..]];
            }
        }
    }

    /// <summary>Disconnects every socket of this connection, then closes the connection.</summary>
    public void Disconnect(string reason)
    {
        foreach (var socket in Snapshot())
        {
            socket.Disconnect(false);
        }
        Connection.Close(reason);
    }

    private void StopConnectWait() => Interlocked.Exchange(ref _connectWait, null)?.Cancel();

    public void OnClosed(string reason)
    {
        Interlocked.Exchange(ref _closed, 1);
        StopConnectWait();
        foreach (var socket in Snapshot())
        {
            socket.OnClose(reason);
        }
    }

    private Socket[] Snapshot() => Volatile.Read(ref _sockets);

    private Socket? Find(string nsp)
    {
        foreach (var socket in Volatile.Read(ref _sockets))
        {
            if (string.Equals(socket.Namespace.Name, nsp, StringComparison.Ordinal))
            {
                return socket;
            }
        }
        return null;
    }
}
