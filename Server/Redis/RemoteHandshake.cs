using Newtonsoft.Json.Linq;
using SocketIoChat.Redis.Protocol;
using SocketIoChat.SocketIo;

namespace SocketIoChat.Redis;

/// <summary>
/// A fetched socket as the servers of a cluster describe it to each other:
/// <c>{id, handshake:{headers, time, address, xdomain, secure, issued, url, query, auth}, rooms, data}</c>,
/// the shape of Node's <c>socket.handshake</c>.
/// </summary>
internal static class RemoteHandshake
{
    /// <summary>The socket's description; values in its data are written with <paramref name="serializer"/>.</summary>
    public static RemoteSocketInfo ToInfo(RemoteSocket socket, Newtonsoft.Json.JsonSerializer serializer)
    {
        var h = socket.Handshake;
        var handshake = new JObject
        {
            ["headers"] = Strings(h.Headers, lowerCaseKeys: true),
            ["time"] = h.Time,
            ["address"] = h.Address,
            ["xdomain"] = h.CrossDomain,
            ["secure"] = h.Secure,
            ["issued"] = h.Issued.ToUnixTimeMilliseconds(),
            ["url"] = h.Url,
            ["query"] = Strings(h.Query, lowerCaseKeys: false),
            ["auth"] = h.Auth,
        };
        var data = new JObject();
        foreach (var (key, value) in socket.Data)
        {
            data[key] = ClusterMessages.ToToken(value, serializer);
        }
        return new RemoteSocketInfo(socket.Id, handshake, [.. socket.Rooms], data);
    }

    public static RemoteSocket ToRemoteSocket(Namespace ns, RemoteSocketInfo info)
    {
        var h = info.Handshake as JObject ?? [];
        var issued = JsValues.ToNumber(h["issued"]) is { } ms && ms is > -8.64e15 and < 8.64e15
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms)
            : DateTimeOffset.UnixEpoch;
        var handshake = new SocketHandshake(
            Dictionary(h["headers"], StringComparer.OrdinalIgnoreCase),
            Dictionary(h["query"], StringComparer.Ordinal),
            h["auth"] as JObject ?? [],
            JsValues.ToJsString(h["address"]) ?? "",
            issued,
            JsValues.ToJsString(h["url"]) ?? "",
            JsValues.Truthy(h["secure"]) == true,
            JsValues.Truthy(h["xdomain"]) == true);
        // socket.data of a Node peer may be any value; only an object maps onto the dictionary.
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (info.Data is JObject fields)
        {
            foreach (var (key, value) in fields)
            {
                data[key] = value;
            }
        }
        return new RemoteSocket(ns, info.Id, handshake, new HashSet<string>(info.Rooms, StringComparer.Ordinal), data);
    }

    private static JObject Strings(IReadOnlyDictionary<string, string> values, bool lowerCaseKeys)
    {
        var result = new JObject();
        foreach (var (key, value) in values)
        {
            result[lowerCaseKeys ? key.ToLowerInvariant() : key] = value;
        }
        return result;
    }

    private static Dictionary<string, string> Dictionary(JToken? token, StringComparer comparer)
    {
        var result = new Dictionary<string, string>(comparer);
        if (token is JObject fields)
        {
            foreach (var (key, value) in fields)
            {
                result[key] = value switch
                {
                    JArray array => string.Join(", ", array.Select(v => JsValues.ToJsString(v))),
                    _ => JsValues.ToJsString(value) ?? "",
                };
            }
        }
        return result;
    }
}
