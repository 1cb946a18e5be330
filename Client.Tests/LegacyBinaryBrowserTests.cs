using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NUnit.Framework.Interfaces;
using SocketIoChat.Tests.Support;

namespace SocketIoChat.Tests;

/// <summary>
/// Binary events and acknowledgements of socket.io-client 1.3.5, the seed page's client, run where
/// it was made to run: in a browser. (From Node.js 1.3.5 cannot send binary correctly, a client
/// bug.) A page the test serves itself on the server's origin loads the 1.3.5 bundle; the test
/// hands it the arguments to emit on <c>/test</c> and the page reports back what returned, with
/// every ArrayBuffer written as <c>{"$bin": base64}</c>, so the comparison happens here.
/// </summary>
public sealed class LegacyBinaryBrowserTests
{
    /// <summary>
    /// websocket and polling pin the client to one transport (1.3.5 takes <c>transports</c> in its
    /// options); default is what the page gets: polling first, then the upgrade.
    /// </summary>
    public static readonly string[] TransportModes = ["websocket", "polling", "default"];

    // Any real response of the server gives the tab the server's origin before the test writes its
    // own page into it; the server's copy of the client bundle is one that is always there. (A 404
    // has no body, and Chromium shows its error page, of no origin, instead.)
    private const string BlankPagePath = "/socket.io/socket.io.js";

    // The bundle is answered under its CDN address, as for the seed page; socket.io-client 1.3.5
    // has no minified file on npm, so the plain one stands in.
    private const string SocketIo135Url = "//cdnjs.cloudflare.com/ajax/libs/socket.io/1.3.5/socket.io.min.js";

    /// <summary>
    /// Builds the arguments from the test's JSON (<c>{"$bin": base64}</c> becomes an ArrayBuffer),
    /// emits <c>echo</c> on <c>/test</c> and resolves with a JSON report of what came back.
    /// </summary>
    private const string PageHtml = """
        <!DOCTYPE html>
        <html>
        <head>
        <meta charset="utf-8">
        <script src="//cdnjs.cloudflare.com/ajax/libs/socket.io/1.3.5/socket.io.min.js"></script>
        <script>
        function toWire(value) {
          if (Array.isArray(value)) return value.map(toWire);
          if (value && typeof value === 'object') {
            if (typeof value.$bin === 'string') {
              var text = atob(value.$bin), bytes = new Uint8Array(text.length);
              for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
              return bytes.buffer;
            }
            var copy = {};
            for (var key in value) copy[key] = toWire(value[key]);
            return copy;
          }
          return value;
        }

        function fromWire(value) {
          if (value instanceof ArrayBuffer) {
            var bytes = new Uint8Array(value), text = '';
            for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
            return { $bin: btoa(text) };
          }
          // 1.3.5 hands received binary over as ArrayBuffer; anything else is worth seeing as is.
          if (ArrayBuffer.isView(value) || value instanceof Blob) return { $unexpected: Object.prototype.toString.call(value) };
          if (Array.isArray(value)) return value.map(fromWire);
          if (value && typeof value === 'object') {
            var copy = {};
            for (var key in value) copy[key] = fromWire(value[key]);
            return copy;
          }
          return value;
        }

        function runEcho(transports, args, withAck) {
          return new Promise(function (resolve) {
            var report = { log: [], echoEvents: 0 };
            var options = { reconnection: false, forceNew: true };
            if (transports) options.transports = transports;
            var socket = io.connect(location.origin + '/test', options);
            var timer = setTimeout(function () { report.log.push('timed out'); finish(); }, 20000);
            function finish() {
              clearTimeout(timer);
              var engine = socket.io.engine;
              report.transport = engine && engine.transport ? engine.transport.name : null;
              socket.disconnect();
              resolve(JSON.stringify(report));
            }
            function received(list) {
              report.received = fromWire(Array.prototype.slice.call(list));
              finish();
            }
            socket.on('error', function (e) { report.log.push('error: ' + e); });
            socket.on('disconnect', function (reason) { report.log.push('disconnect: ' + reason); });
            socket.on('echo', function () {
              report.echoEvents++;
              if (!withAck) received(arguments);
            });
            socket.on('connect', function () {
              report.log.push('connect');
              var emitted = ['echo'].concat(toWire(args));
              if (withAck) emitted.push(function () { received(arguments); });
              socket.emit.apply(socket, emitted);
            });
          });
        }
        </script>
        </head>
        <body></body>
        </html>
        """;

    // Every byte value, so no encoding step (UTF-8 twice over polling, the 0xFF separator of the
    // binary payload form, base64) can quietly alter one.
    private static readonly byte[] AllByteValues = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];

    private readonly List<BrowserTab> _tabs = [];
    private Browser? _browser;
    private TestServer? _server;

    private Browser Chromium => _browser ?? throw new InvalidOperationException("The browser was not launched.");

    private TestServer Server => _server ?? throw new InvalidOperationException("The server was not started.");

    // One server for the class: echo answers only the sender, so tests cannot see each other.
    [OneTimeSetUp]
    public async Task LaunchBrowserAndServer()
    {
        _browser = await Browser.LaunchAsync();
        _server = await TestServer.StartAsync("default");
    }

    [OneTimeTearDown]
    public async Task CloseBrowserAndServer()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [TearDown]
    public async Task CloseTabs()
    {
        var failed = TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed;
        foreach (var tab in _tabs)
        {
            if (failed)
            {
                var events = tab.Events.DefaultIfEmpty("(nothing noted)");
                await TestContext.Out.WriteLineAsync("Tab:\n  " + string.Join("\n  ", events) + EngineIoTraffic.Describe(EngineIoTraffic.Of(tab)));
            }
            await tab.DisposeAsync();
        }
        _tabs.Clear();
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task An_ArrayBuffer_of_every_byte_value_echoes_back_byte_for_byte(string mode)
    {
        JArray args = [Bin(AllByteValues)];

        var (report, tab) = await RunEchoAsync(mode, args, withAck: false);

        AssertReceived(report, args);
        AssertTraffic(mode, report, tab);
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task ArrayBuffers_nested_in_objects_and_arrays_echo_back_in_place_next_to_non_ASCII_text(string mode)
    {
        // An empty buffer, one whose length needs more length digits than the rest, and text
        // that 1.x clients encode to UTF-8 twice over polling, all in one packet.
        var large = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray();
        JArray args =
        [
            new JObject
            {
                ["text"] = "中文 😀",
                ["bin"] = Bin(AllByteValues.Reverse().ToArray()),
                ["list"] = new JArray(1, Bin([0xFF, 0x00, 0xFE]), "x", new JObject { ["deep"] = Bin([]) }),
            },
            new JArray(Bin(large), new JObject { ["n"] = 2, ["bin"] = Bin([0x2D, 0x5B]) }),
            "中文 😀",
        ];

        var (report, tab) = await RunEchoAsync(mode, args, withAck: false);

        AssertReceived(report, args);
        AssertTraffic(mode, report, tab);
    }

    [TestCaseSource(nameof(TransportModes))]
    public async Task Echo_with_an_acknowledgement_returns_the_binary_through_the_ack(string mode)
    {
        JArray args = [Bin(AllByteValues), new JObject { ["nested"] = new JArray("中文 😀", Bin([1, 2, 3])) }];

        var (report, tab) = await RunEchoAsync(mode, args, withAck: true);

        AssertReceived(report, args);
        Assert.That((int?)report["echoEvents"], Is.Zero, "the server answered with an \"echo\" event as well as the ack");
        AssertTraffic(mode, report, tab);
    }

    private static JObject Bin(byte[] bytes) => new() { ["$bin"] = Convert.ToBase64String(bytes) };

    private static void AssertReceived(JObject report, JArray sent)
    {
        var received = report["received"];
        Assert.That(received, Is.Not.Null, "nothing came back; the page noted: " + report["log"]?.ToString(Formatting.None));
        Assert.That(JToken.DeepEquals(received, sent), Is.True,
            $"sent:\n{Abbreviate(sent)}\nreceived:\n{Abbreviate(received!)}\npage noted: {report["log"]?.ToString(Formatting.None)}");
    }

    /// <summary>The client stayed on one session, on the transport it was given, speaking EIO=3.</summary>
    private static void AssertTraffic(string mode, JObject report, BrowserTab tab)
    {
        var traffic = EngineIoTraffic.Of(tab);
        var described = EngineIoTraffic.Describe(traffic);
        Assert.Multiple(() =>
        {
            Assert.That(traffic, Is.Not.Empty, "the page reached the server");
            Assert.That(traffic.Count(r => r.IsHandshake), Is.EqualTo(1), "handshakes:" + described);
            Assert.That(traffic, Has.All.Matches<EngineIoRequest>(r => r.Eio == "3"), "EIO=3 everywhere:" + described);
            switch (mode)
            {
                case "websocket":
                    Assert.That(traffic, Has.All.Matches<EngineIoRequest>(r => r.Kind == "WebSocket"), "WebSocket only:" + described);
                    Assert.That((string?)report["transport"], Is.EqualTo("websocket"));
                    break;
                case "polling":
                    Assert.That(traffic, Has.None.Matches<EngineIoRequest>(r => r.Kind == "WebSocket"), "polling only:" + described);
                    Assert.That((string?)report["transport"], Is.EqualTo("polling"));
                    break;
            }
        });
    }

    /// <summary>The report's JSON with long base64 strings shortened, so a failure message stays readable.</summary>
    private static string Abbreviate(JToken token)
    {
        var copy = token.DeepClone();
        foreach (var value in copy.SelectTokens("$..['$bin']").OfType<JValue>().ToList())
        {
            if (value.Value is string { Length: > 80 } text)
            {
                value.Value = $"{text[..40]}…({text.Length} chars)…{text[^20..]}";
            }
        }
        return copy.ToString(Formatting.None);
    }

    private async Task<(JObject Report, BrowserTab Tab)> RunEchoAsync(string mode, JArray args, bool withAck)
    {
        var cdn = new Dictionary<string, string> { [SocketIo135Url] = await Browser.NodeModuleAsync("sio1.3/socket.io.js") };
        var tab = await Chromium.OpenAsync(Server.Url + BlankPagePath, cdn, new TabOptions { Content = PageHtml });
        _tabs.Add(tab);

        string[]? transports = mode == "default" ? null : [mode];
        // The page has its own 20 s limit and then reports what it saw; this one only backs it up.
        var json = await tab.Page.EvaluateAsync<string>(
            "([transports, args, withAck]) => runEcho(transports, JSON.parse(args), withAck)",
            new object?[] { transports, args.ToString(Formatting.None), withAck }).Within(Eventually.Limit * 2);
        return (JObject.Parse(json), tab);
    }
}
