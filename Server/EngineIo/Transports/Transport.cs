namespace SocketIoChat.EngineIo.Transports;

/// <summary>The transport a session currently writes through.</summary>
internal abstract class Transport
{
    /// <summary>The name used in the <c>transport</c> query parameter.</summary>
    public abstract string Name { get; }

    /// <summary>True when a packet queued now would be written at once.</summary>
    public abstract bool IsWritable { get; }

    /// <summary>The session closed: release whatever waits on this transport.</summary>
    public abstract void OnSessionClosed();

    /// <summary>The session queued a packet; a transport that writes on its own schedule ignores it.</summary>
    public virtual void OnQueued()
    {
    }
}
