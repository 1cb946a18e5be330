using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace SocketIoChat.SocketIo.Protocol;

/// <summary>
/// Escapes only what JSON requires (quote, backslash, control characters), as JavaScript's
/// <c>JSON.stringify</c> does: non-ASCII text, emoji included, travels as UTF-8, not <c>\uXXXX</c>.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static MinimalJsonEncoder Instance { get; } = new();

    public override int MaxOutputCharactersPerInputCharacter => 6; // \u001F

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\' || unicodeScalar is >= 0xD800 and <= 0xDFFF;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c < 0x20 || c == '"' || c == '\\')
            {
                return i;
            }
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++; // a valid pair stays as it is
            }
            else if (char.IsSurrogate(c))
            {
                return i; // a lone surrogate cannot be UTF-8: escape it
            }
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var output = new Span<char>(buffer, bufferLength);
        string escaped = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            _ when WillEncode(unicodeScalar) => $"\\u{unicodeScalar:x4}",
            _ => char.ConvertFromUtf32(unicodeScalar),
        };
        if (escaped.Length > output.Length)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        escaped.CopyTo(output);
        numberOfCharactersWritten = escaped.Length;
        return true;
    }
}
