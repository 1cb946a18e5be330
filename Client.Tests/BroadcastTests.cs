using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SocketIoChat.EngineIo;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Tests;

/// <summary>A broadcast is encoded once: every recipient is handed the very same message objects.</summary>
public sealed class BroadcastTests
{
    /// <summary>An engine connection that records what the Socket.IO layer queues on it.</summary>
    private sealed class RecordingConnection(string id) : IEngineConnection
    {
        public List<EngineMessage> Sent { get; } = [];
        public string Id => id;
        public int ProtocolVersion => 4;
        public string TransportName => "websocket";
        public EngineHandshake Handshake => throw new NotSupportedException();
        public bool IsWritable => true;
        public object? State { get; set; }
        public CancellationToken Closed => CancellationToken.None;

        public bool Send(EngineMessage message)
        {
            Sent.Add(message);
            return true;
        }

        public void Close(string reason)
        {
        }

        public void SetClientGeneration(bool legacy)
        {
        }
    }

    [Test]
    public void Every_recipient_of_a_broadcast_gets_the_same_encoded_bytes()
    {
        var io = new SocketIoServer(Options.Create(new SocketIoOptions()), NullLoggerFactory.Instance);
        var room = io.Of("/room");
        IEngineConnectionHandler handler = io;
        var connections = Enumerable.Range(0, 5).Select(i => new RecordingConnection("c" + i)).ToArray();
        foreach (var connection in connections)
        {
            handler.OnOpened(connection);
            handler.OnMessage(connection, "0/room,"u8, false);
        }
        Assert.That(room.Sockets, Has.Count.EqualTo(5));
        foreach (var connection in connections)
        {
            connection.Sent.Clear(); // drop the CONNECT answers
        }

        room.Emit("news", "text", new byte[] { 1, 2, 3 });

        var first = connections[0].Sent;
        Assert.That(first, Has.Count.EqualTo(2), "one text packet and one attachment");
        Assert.That(System.Text.Encoding.UTF8.GetString(first[0].Frame.Span),
            Is.EqualTo("451-/room,[\"news\",\"text\",{\"_placeholder\":true,\"num\":0}]"));
        foreach (var connection in connections.Skip(1))
        {
            Assert.That(connection.Sent, Has.Count.EqualTo(2));
            Assert.That(connection.Sent[0], Is.SameAs(first[0]));
            Assert.That(connection.Sent[1], Is.SameAs(first[1]));
        }
    }
}
