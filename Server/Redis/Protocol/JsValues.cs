using System.Globalization;
using System.Numerics;
using System.Text;
using Newtonsoft.Json.Linq;

namespace SocketIoChat.Redis.Protocol;

/// <summary>
/// How JavaScript turns values into text, for the wire formats Node peers read and write:
/// <c>Number.prototype.toString</c>, <c>Date.prototype.toISOString</c>, <c>String(x)</c> and truthiness.
/// </summary>
internal static class JsValues
{
    /// <summary>The largest absolute time value of a JS <c>Date</c> (ECMA-262 TimeClip), in ms since the epoch.</summary>
    public const double MaxDateMs = 8.64e15;

    /// <summary>
    /// <paramref name="value"/> as JS <c>String(number)</c> writes it (ECMA-262 Number::toString, radix 10):
    /// shortest round-trip digits, no trailing <c>.0</c>, exponent form below 1e-6 and from 1e21 (<c>1e+21</c>, <c>1.5e-7</c>).
    /// </summary>
    public static string FormatNumber(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0)
        {
            return "0"; // also -0
        }

        // .NET's "R" gives the shortest digits that round-trip, like JS; only the layout differs.
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var dot = text.IndexOf('.');
        var integerPart = dot >= 0 ? text[..dot] : text;
        var digits = dot >= 0 ? integerPart + text[(dot + 1)..] : integerPart;
        // value = 0.digits × 10^n
        var n = integerPart.Length + exponent;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }
        n -= lead;
        digits = digits[lead..].TrimEnd('0');
        var k = digits.Length;

        var builder = new StringBuilder(k + 8);
        if (value < 0)
        {
            builder.Append('-');
        }
        if (k <= n && n <= 21)
        {
            builder.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            builder.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            builder.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            builder.Append(digits[0]);
            if (k > 1)
            {
                builder.Append('.').Append(digits, 1, k - 1);
            }
            var exp = n - 1;
            builder.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString(CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    /// <summary>
    /// The JS <c>Date</c> of <paramref name="ms"/> ms since the epoch as <c>JSON.stringify</c> writes it
    /// (<c>toISOString</c>: <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, or <c>±yyyyyy-…</c> outside years 0–9999);
    /// null for an invalid date (NaN or beyond ±8.64e15 ms), which <c>JSON.stringify</c> writes as <c>null</c>.
    /// Fractions of a millisecond are dropped toward zero, as the <c>Date</c> constructor does.
    /// </summary>
    public static string? FormatIsoDate(double ms)
    {
        if (!double.IsFinite(ms) || Math.Abs(ms) > MaxDateMs)
        {
            return null;
        }
        var time = (long)Math.Truncate(ms);
        var days = Math.DivRem(time, 86_400_000L, out var msOfDay);
        if (msOfDay < 0)
        {
            msOfDay += 86_400_000L;
            days--;
        }
        var (year, month, day) = CivilFromDays(days);
        var builder = new StringBuilder(27);
        if (year is >= 0 and <= 9999)
        {
            builder.Append(year.ToString("D4", CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append(year < 0 ? '-' : '+').Append(Math.Abs(year).ToString("D6", CultureInfo.InvariantCulture));
        }
        builder.Append('-').Append(Two(month)).Append('-').Append(Two(day))
            .Append('T').Append(Two(msOfDay / 3_600_000)).Append(':').Append(Two(msOfDay / 60_000 % 60))
            .Append(':').Append(Two(msOfDay / 1000 % 60)).Append('.')
            .Append((msOfDay % 1000).ToString("D3", CultureInfo.InvariantCulture)).Append('Z');
        return builder.ToString();

        static string Two(long v) => v.ToString("D2", CultureInfo.InvariantCulture);
    }

    /// <summary>A .NET date as the JS ISO string of the same instant (an unspecified kind counts as UTC).</summary>
    public static string FormatIsoDate(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        var ms = Math.DivRem(utc.Ticks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerMillisecond, out var rest);
        return FormatIsoDate(rest < 0 ? ms - 1 : ms)!; // a Date holds whole ms: floor, like getTime() of the same instant
    }

    /// <summary>A .NET date with offset as the JS ISO string of the same instant.</summary>
    public static string FormatIsoDate(DateTimeOffset value) => FormatIsoDate(value.UtcDateTime);

    /// <summary>
    /// A scalar token as JS <c>String(x)</c> writes it (how Node turns a numeric room into a channel
    /// name or a map key); null for containers, binary and other non-scalars.
    /// </summary>
    public static string? ToJsString(JToken? token) => token switch
    {
        null => null,
        JValue { Type: JTokenType.String, Value: string s } => s,
        JValue { Type: JTokenType.Integer, Value: var v } => Convert.ToString(v, CultureInfo.InvariantCulture),
        JValue { Type: JTokenType.Float, Value: var v } => FormatNumber(Convert.ToDouble(v, CultureInfo.InvariantCulture)),
        JValue { Type: JTokenType.Boolean, Value: bool b } => b ? "true" : "false",
        JValue { Type: JTokenType.Null } => "null",
        JValue { Type: JTokenType.Date, Value: DateTime d } => FormatIsoDate(d),
        JValue { Type: JTokenType.Date, Value: DateTimeOffset d } => FormatIsoDate(d),
        JValue { Type: JTokenType.Guid or JTokenType.Uri or JTokenType.TimeSpan } v => ScalarText(v),
        _ => null,
    };

    /// <summary>JS truthiness of a token (<c>if (flags.volatile)</c>); null for a missing or null token.</summary>
    public static bool? Truthy(JToken? token) => token switch
    {
        null => null,
        JValue { Type: JTokenType.Null or JTokenType.Undefined } => null,
        JValue { Type: JTokenType.Boolean, Value: bool b } => b,
        JValue { Type: JTokenType.Integer, Value: var v } => !IsZero(v),
        JValue { Type: JTokenType.Float, Value: var v } => Convert.ToDouble(v, CultureInfo.InvariantCulture) is var d && d != 0 && !double.IsNaN(d),
        JValue { Type: JTokenType.String, Value: string s } => s.Length > 0,
        _ => true,
    };

    /// <summary>A number token as a double (JS number), or null for any other token.</summary>
    public static double? ToNumber(JToken? token) => token switch
    {
        JValue { Type: JTokenType.Integer or JTokenType.Float, Value: var v } => v is BigInteger big ? (double)big : Convert.ToDouble(v, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Guid, Uri and TimeSpan as Newtonsoft.Json writes them into JSON.</summary>
    public static string? ScalarText(JValue value) => value.Value switch
    {
        Guid g => g.ToString("D"),
        Uri u => u.OriginalString,
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        null => null,
        var v => Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    private static bool IsZero(object? v) => v switch
    {
        BigInteger big => big.IsZero,
        ulong u => u == 0,
        null => true,
        _ => Convert.ToInt64(v, CultureInfo.InvariantCulture) == 0,
    };

    // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
    private static (long Year, long Month, long Day) CivilFromDays(long days)
    {
        var z = days + 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var dayOfEra = z - era * 146_097;
        var yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        var dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        var mp = (5 * dayOfYear + 2) / 153;
        var day = dayOfYear - (153 * mp + 2) / 5 + 1;
        var month = mp < 10 ? mp + 3 : mp - 9;
        var year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        return (year, month, day);
    }
}
