using System.Text;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests.Reliability.Fuzzing;

/// <summary>
/// The fuzzer's inputs, all drawn from one seeded <see cref="Random"/> so a seed gives the same
/// inputs again: valid Engine.IO and Socket.IO packets of both generations (the seed app's, the
/// chat's, acks, binary placeholders, heartbeats, upgrades), mutated byte-wise and JSON-wise, in
/// WebSocket frames (including invalid framing) and polling payloads (including lying lengths),
/// and handshake queries.
/// </summary>
internal sealed class FuzzInputs(int seed)
{
    /// <summary>Inputs over a megabyte: more than <c>MaxHttpBufferSize</c> in the host's defaults.</summary>
    private const int Oversize = 1_200_000;

    private static readonly string[] V4 =
    [
        "2", "3", "4hello", "5", "6", "1", "2probe", "3probe",
        "40", "40{\"token\":\"abc\"}", "40/test,", "40/chat,{\"nickname\":\"fuzzer\"}", "40/nope,", "41", "41/test,",
        "42[\"my event\",{\"data\":\"hi\"}]", "42/test,[\"my event\",{\"data\":\"hi\"}]",
        "42/test,7[\"my broadcast event\",{\"data\":\"all\"}]", "42/test,[\"my event\",\"ab\\ud83d\"]",
        "43/test,7[\"ok\"]", "44/test,{\"message\":\"no\"}", "42/test,[\"disconnect_request\"]",
        "451-/test,[\"my event\",{\"_placeholder\":true,\"num\":0}]", "462-/test,9[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
        "42/chat,1[\"message\",{\"room\":\"general\",\"text\":\"hi\",\"clientId\":\"c1\"}]",
        "42/chat,2[\"room:join\",{\"room\":\"fuzz\"}]", "42/chat,3[\"history\",{\"room\":\"general\",\"before\":5}]",
        "42/chat,[\"typing\",{\"room\":\"general\"}]", "42/chat,4[\"room:create\",{\"name\":\"fz\"}]",
        "42/chat,5[\"dm:open\",{\"nickname\":\"someone\"}]", "42/chat,6[\"sync\",{}]",
    ];

    private static readonly string[] V3 =
    [
        "2", "3", "4hello", "5", "6", "1", "2probe", "bAQID", "b4AQID",
        "40", "40/test", "40/test?x=1", "41/test", "40/chat?nickname=fuzz",
        "42[\"my event\",{\"data\":\"hi\"}]", "42/test,[\"my event\",{\"data\":\"hi\"}]",
        "42/test,3[\"my broadcast event\",{\"data\":\"all\"}]", "43/test,3[\"ok\"]",
        "451-/test,[\"my event\",{\"_placeholder\":true,\"num\":0}]", "44/test,\"no\"",
    ];

    private static readonly string[] Tokens =
    [
        "\u001e", ":", ",", "\"", "[", "]", "{", "}", "/", "-", "\\", "\\u", "\\ud83d", "\\udc00", "\u0000",
        "null", "true", "1e308", "-0", "99999999999999999999", "NaN", "_placeholder", "\"num\":-1",
        "\"num\":1000", "\"__proto__\"", "constructor", "😀", "\ud800", "%00", "?EIO=4", "&sid=",
    ];

    private readonly Random _random = new(seed);

    /// <summary>The generator, for the driver's own choices (which channel, which generation).</summary>
    public Random Random => _random;

    /// <summary>One packet's bytes for <paramref name="eio"/>: a seed as it is, mutated, or noise.</summary>
    public byte[] Packet(int eio)
    {
        var roll = _random.Next(100);
        if (roll < 15)
        {
            return Encoding.UTF8.GetBytes(Seed(eio));
        }
        if (roll < 25)
        {
            return Encoding.UTF8.GetBytes((eio == 3 ? "42/test," : "42/test,") + _random.Next(1000) + "[\"my event\"," + Json(4) + "]");
        }
        if (roll < 30)
        {
            return Noise(_random.Next(1, 64));
        }
        if (roll < 31 && _random.Next(4) == 0)
        {
            // Deep nesting: what stopped the Node reference.
            var depth = _random.Next(1_000, 100_000);
            return Encoding.UTF8.GetBytes("42[\"my event\"," + new string('[', depth) + new string(']', _random.Next(depth + 1)) + "]");
        }
        if (roll < 32 && _random.Next(4) == 0)
        {
            return Encoding.UTF8.GetBytes("42[\"my event\",\"" + new string('a', Oversize) + "\"]");
        }
        return Mutate(Encoding.UTF8.GetBytes(Seed(eio)));
    }

    /// <summary>A polling POST body for <paramref name="eio"/>: one to five packets in that generation's framing.</summary>
    public (byte[] Body, string ContentType) PollingBody(int eio)
    {
        var packets = Enumerable.Range(0, _random.Next(1, 6)).Select(_ => Packet(eio)).ToList();
        byte[] body;
        var contentType = "text/plain;charset=UTF-8";
        if (eio == 4)
        {
            body = Join(packets, [0x1e]);
        }
        else if (_random.Next(4) == 0)
        {
            // The v3 binary payload: a type byte, the length in decimal digits, 0xFF, the data.
            contentType = "application/octet-stream";
            using var bytes = new MemoryStream();
            foreach (var packet in packets)
            {
                bytes.WriteByte((byte)_random.Next(2));
                foreach (var digit in Lied(packet.Length).ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    bytes.WriteByte((byte)(digit - '0'));
                }
                bytes.WriteByte(0xFF);
                bytes.Write(packet);
            }
            body = bytes.ToArray();
        }
        else
        {
            // The v3 text payload: length (in UTF-16 units, which a lie may miss) ':' packet.
            using var bytes = new MemoryStream();
            foreach (var packet in packets)
            {
                bytes.Write(Encoding.ASCII.GetBytes(Lied(Encoding.UTF8.GetCharCount(packet)) + ":"));
                bytes.Write(packet);
            }
            body = bytes.ToArray();
        }
        return (_random.Next(10) == 0 ? Mutate(body) : body, contentType);
    }

    /// <summary>
    /// Frames for an open WebSocket: mostly one whole text or binary message, sometimes a message
    /// in fragments with control frames between them, sometimes framing a server must refuse.
    /// </summary>
    public ClientFrame[] Frames(int eio)
    {
        var roll = _random.Next(100);
        if (roll < 70)
        {
            return [new ClientFrame(ClientFrame.Text, Packet(eio))];
        }
        if (roll < 80)
        {
            return [ClientFrame.BinaryFrame(_random.Next(2) == 0 ? Noise(_random.Next(0, 256)) : Packet(eio))];
        }
        if (roll < 88)
        {
            var fragments = ClientFrame.Fragments(ClientFrame.Text, Packet(eio), _random.Next(2, 6)).ToList();
            if (_random.Next(2) == 0)
            {
                fragments.Insert(_random.Next(1, fragments.Count), ClientFrame.PingFrame("fz"));
            }
            return [.. fragments];
        }
        var payload = Packet(eio);
        return _random.Next(8) switch
        {
            0 => [new ClientFrame(_random.Next(16), payload)],
            1 => [new ClientFrame(ClientFrame.Text, payload) { Reserved = _random.Next(1, 8) }],
            2 => [new ClientFrame(ClientFrame.Text, payload) { Masked = false }],
            3 => [new ClientFrame(ClientFrame.Text, payload) { DeclaredLength = _random.Next(2) == 0 ? long.MaxValue / 2 : payload.Length + _random.Next(1, 100_000) }],
            4 => [new ClientFrame(ClientFrame.Continuation, payload)],
            5 => [new ClientFrame(ClientFrame.Text, payload) { Fin = false }, new ClientFrame(ClientFrame.Text, payload)],
            6 => [new ClientFrame(ClientFrame.Ping, Noise(_random.Next(100, 200)))],
            _ => [ClientFrame.CloseFrame(_random.Next(0, 5000), _random.Next(2) == 0 ? "bye" : "\uFFFD")],
        };
    }

    /// <summary>A handshake query: valid ones and their mutations (versions, transports, sids, JSONP).</summary>
    public string Query(int eio, string transport)
    {
        string[] parts =
        [
            "EIO=" + (_random.Next(10) == 0 ? _random.Next(-1, 9).ToString(System.Globalization.CultureInfo.InvariantCulture) : eio.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "transport=" + (_random.Next(10) == 0 ? Pick(["flashsocket", "", "websocket", "polling", "POLLING"]) : transport),
            .. _random.Next(5) == 0 ? new[] { "sid=" + Pick(["", "abc", "AAAAAAAAAAAAAAAAAAAA", new string('x', 5000)]) } : [],
            .. _random.Next(8) == 0 ? new[] { "j=" + Pick(["0", "1", "x", "-1"]) } : [],
            .. _random.Next(8) == 0 ? new[] { "b64=" + Pick(["1", "0", "true"]) } : [],
            .. _random.Next(8) == 0 ? new[] { "t=" + Encoding.ASCII.GetString(Noise(8).Select(b => (byte)('a' + b % 26)).ToArray()) } : [],
        ];
        var query = string.Join('&', parts.OrderBy(_ => _random.Next()));
        if (_random.Next(10) != 0)
        {
            return query;
        }
        // Mutated bytes go percent-encoded, as a browser would send them: the server decodes them.
        return string.Concat(Mutate(Encoding.ASCII.GetBytes(query)).Select(b =>
            char.IsAsciiLetterOrDigit((char)b) || b is (byte)'=' or (byte)'&' or (byte)'.' or (byte)'_' or (byte)'-' ? ((char)b).ToString() : $"%{b:X2}"));
    }

    /// <summary>Picks one of <paramref name="choices"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> choices) => choices[_random.Next(choices.Count)];

    private string Seed(int eio) => Pick(eio == 3 ? V3 : V4);

    /// <summary>One to four byte-level mutations.</summary>
    private byte[] Mutate(byte[] input)
    {
        var bytes = new List<byte>(input);
        for (var n = _random.Next(1, 5); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : _random.Next(bytes.Count);
            switch (_random.Next(8))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Pick<byte>([0x00, 0x1e, 0x3a, 0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x2f, 0xff, 0xc3, 0xed, 0x80, (byte)('0' + _random.Next(10))]);
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Pick(Tokens)));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, _random.Next(1, bytes.Count - at + 1));
                    break;
                case 4 when bytes.Count > 0:
                    var length = _random.Next(1, bytes.Count - at + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 5:
                    bytes.InsertRange(at, Noise(_random.Next(1, 16)));
                    break;
                case 6:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Json(3)));
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Pick(V4)));
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>A random JSON value up to <paramref name="depth"/> levels, strings with odd characters included.</summary>
    private string Json(int depth)
    {
        var roll = _random.Next(depth <= 0 ? 5 : 8);
        return roll switch
        {
            0 => "null",
            1 => _random.Next(2) == 0 ? "true" : "false",
            2 => Pick(["0", "-1", "1.5", "1e308", "-1e-308", "9007199254740993", "123456789012345678901234567890"]),
            3 => "\"" + Pick(["", "x", "\\ud83d", "\\u0000", "😀", "\\\"", "data", "_placeholder"]) + "\"",
            4 => "\"" + new string('é', _random.Next(0, 40)) + "\"",
            5 or 6 => "{" + string.Join(',', Enumerable.Range(0, _random.Next(4)).Select(_ =>
                "\"" + Pick(["data", "_placeholder", "num", "room", "text", "clientId", "nickname", "__proto__", ""]) + "\":" + Json(depth - 1))) + "}",
            _ => "[" + string.Join(',', Enumerable.Range(0, _random.Next(4)).Select(_ => Json(depth - 1))) + "]",
        };
    }

    private byte[] Noise(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A length as written in a v3 payload: mostly true, sometimes off.</summary>
    private long Lied(int length) => _random.Next(6) switch
    {
        0 => length + _random.Next(-3, 4),
        1 => _random.Next(2) == 0 ? 0 : 99_999_999_999L,
        _ => length,
    };

    private static byte[] Join(List<byte[]> parts, byte[] separator)
    {
        using var bytes = new MemoryStream();
        for (var i = 0; i < parts.Count; i++)
        {
            if (i > 0)
            {
                bytes.Write(separator);
            }
            bytes.Write(parts[i]);
        }
        return bytes.ToArray();
    }
}
