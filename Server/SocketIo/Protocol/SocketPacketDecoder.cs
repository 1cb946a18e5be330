using Newtonsoft.Json.Linq;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>
/// Turns a connection's engine messages into packets, holding a binary packet back until all of
/// its attachments have arrived. One instance per connection; not thread-safe (the engine delivers
/// one connection's messages in order). What one pending packet may hold is bounded: at most
/// <paramref name="maxAttachments"/> attachments of at most <paramref name="maxAttachmentBytes"/>
/// bytes in all.
/// </summary>
internal sealed class SocketPacketDecoder(int maxAttachments, long maxAttachmentBytes)
{
    private SocketPacket? _pending;
    private List<byte[]>? _attachments;
    private long _attachmentBytes;

    public enum Result { Packet, NeedMore, Error }

    public Result Decode(ReadOnlySpan<byte> data, bool isBinary, out SocketPacket? packet, out string error)
    {
        packet = null;
        error = "";
        if (isBinary)
        {
            if (_pending is null)
            {
                error = "unexpected binary attachment";
                return Result.Error;
            }
            _attachmentBytes += data.Length;
            if (_attachmentBytes > maxAttachmentBytes)
            {
                Reset();
                error = "attachments of one packet over maxHttpBufferSize";
                return Result.Error;
            }
            _attachments!.Add(data.ToArray());
            if (_attachments.Count < _pending.Attachments)
            {
                return Result.NeedMore;
            }
            return Complete(out packet, out error);
        }
        if (_pending is not null)
        {
            error = "text packet while attachments were awaited";
            return Result.Error;
        }
        if (!SocketPacketParser.TryParse(data, out var parsed, out error))
        {
            return Result.Error;
        }
        if (parsed.Attachments > maxAttachments)
        {
            error = $"{parsed.Attachments} attachments announced (MaxAttachments is {maxAttachments})";
            return Result.Error;
        }
        if (parsed.Attachments > 0)
        {
            _pending = parsed;
            _attachments = new List<byte[]>(parsed.Attachments);
            return Result.NeedMore;
        }
        if (parsed.Type is SocketPacketType.BinaryEvent or SocketPacketType.BinaryAck && !Reconstruct(parsed.Data, [], out error))
        {
            return Result.Error;
        }
        packet = parsed;
        return Result.Packet;
    }

    private Result Complete(out SocketPacket? packet, out string error)
    {
        var pending = _pending!;
        var attachments = _attachments!;
        Reset();
        if (!Reconstruct(pending.Data, attachments, out error))
        {
            packet = null;
            return Result.Error;
        }
        packet = pending;
        return Result.Packet;
    }

    private void Reset()
    {
        _pending = null;
        _attachments = null;
        _attachmentBytes = 0;
    }

    /// <summary>Replaces every <c>{"_placeholder":true,"num":N}</c> by the N-th attachment.</summary>
    private static bool Reconstruct(JToken? token, List<byte[]> attachments, out string error)
    {
        error = "";
        switch (token)
        {
            case JObject obj when obj.TryGetValue("_placeholder", out var flag) && flag.Type == JTokenType.Boolean && (bool)flag!:
                if (obj["num"] is not { Type: JTokenType.Integer } num || (long)num! is var n && (n < 0 || n >= attachments.Count))
                {
                    error = "illegal attachments";
                    return false;
                }
                obj.Replace(new JValue(attachments[(int)(long)num!]));
                return true;
            case JContainer container:
                // Copy: replacing a child while enumerating the container is not allowed.
                foreach (var child in container.Children().ToList())
                {
                    var value = child is JProperty property ? property.Value : child;
                    if (!Reconstruct(value, attachments, out error))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }
}
