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
            if (IsPairAt(span, i))
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

    /// <summary>How <c>JSON.stringify</c> escapes a character it must escape (lower-case hex).</summary>
    public static string Escape(int c) => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\b' => "\\b",
        '\f' => "\\f",
        _ => $"\\u{c:x4}",
    };

    /// <summary>True when a high surrogate at <paramref name="i"/> is followed by its low half.</summary>
    private static bool IsPairAt(ReadOnlySpan<char> text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);

    /// <summary>True when <paramref name="text"/> holds a surrogate without its other half.</summary>
    public static bool HasLoneSurrogate(string text)
    {
        // Vectorised first look: almost every string has no surrogate at all.
        var first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return false;
        }
        for (var i = first; i < text.Length; i++)
        {
            if (IsPairAt(text, i))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The JSON string literal of <paramref name="text"/> as <c>JSON.stringify</c> writes it, lone
    /// surrogates as <c>\uXXXX</c> escapes. Utf8JsonWriter cannot write those (it turns them into
    /// U+FFFD before any encoder sees them), so such strings go through here.
    /// </summary>
    public static string Literal(string text)
    {
        var literal = new System.Text.StringBuilder(text.Length + 8).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsPairAt(text, i))
            {
                literal.Append(c).Append(text[++i]);
            }
            else if (c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c))
            {
                literal.Append(Escape(c));
            }
            else
            {
                literal.Append(c);
            }
        }
        return literal.Append('"').ToString();
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var output = new Span<char>(buffer, bufferLength);
        var escaped = WillEncode(unicodeScalar) ? Escape(unicodeScalar) : char.ConvertFromUtf32(unicodeScalar);
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
