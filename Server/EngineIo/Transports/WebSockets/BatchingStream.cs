using System.Buffers;

namespace SocketIoChat.EngineIo.Transports.WebSockets;

/// <summary>
/// Wraps the upgraded connection under a WebSocket so that the frames the write loop sends in one
/// go reach the network in one write. Kestrel flushes every write; sending a frame per write costs
/// a system call per frame, which dominates broadcasts to many sockets.
/// </summary>
internal sealed class BatchingStream(Stream inner) : Stream
{
    private const int MaxBatchBytes = 64 * 1024;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private byte[]? _batch;
    private int _length;
    private volatile bool _batching;

    /// <summary>Starts collecting writes instead of passing them through.</summary>
    public void BeginBatch() => _batching = true;

    /// <summary>True once the batch is large enough to be sent before adding more.</summary>
    public bool IsFull => _length >= MaxBatchBytes;

    /// <summary>Sends what was collected in one write and returns to passing writes through.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellation)
    {
        await _writeLock.WaitAsync(cancellation);
        try
        {
            _batching = false;
            if (_length > 0)
            {
                await inner.WriteAsync(_batch.AsMemory(0, _length), cancellation);
            }
        }
        finally
        {
            if (_batch is not null)
            {
                ArrayPool<byte>.Shared.Return(_batch);
                _batch = null;
            }
            _length = 0;
            _writeLock.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (!_batching)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                return;
            }
            if (_batch is null || _batch.Length - _length < buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(4096, (_length + buffer.Length) * 2));
                _batch?.AsSpan(0, _length).CopyTo(larger);
                if (_batch is not null)
                {
                    ArrayPool<byte>.Shared.Return(_batch);
                }
                _batch = larger;
            }
            buffer.Span.CopyTo(_batch.AsSpan(_length));
            _length += buffer.Length;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The lock is left undisposed: the WebSocket disposes this stream when its read is
            // aborted, possibly while a write holds the lock, and that write's Release must not
            // throw (issue 12 item 6). A SemaphoreSlim without a wait handle holds nothing to free.
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
