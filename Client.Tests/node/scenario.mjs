// Drives a real npm socket.io-client against a running server for one scenario and prints one
// JSON line of what it observed. The NUnit tests (NodeClientTests.cs, NodeClientGenerationsTests.cs)
// make the assertions, so this script only records; it fails (non-zero exit, message on stderr)
// when an expected event never comes, the connection is refused, or the time limit passes.
//
//   node scenario.mjs <client> <url> <websocket|polling|default> <scenario> [json input | -]
//
// <client> is the npm name of the client generation in package.json: "sio1.3" (1.3.5), "sio1.7"
// (1.7.4), "sio2" (2.5.0), "sio3" (3.1.3) or "socket.io-client" (4.8.4).
// "-" reads the input from stdin (command lines are too short for large payloads).
// Binary values cross the process boundary as {"$binary": "<base64>"}: such markers in the input
// become Buffers before sending, and received Buffers are printed the same way. Binary that arrives
// as anything but a Buffer is printed with a "$type" so a comparison with the input fails visibly.
//
// The scenario "batch" runs several scenarios one after the other in this one process (starting
// Node for each would make the generation matrix slow). Its input is {"<label>": {"scenario": …,
// "input": …}, …}; it prints {"client": {name, version}, "runs": {"<label>": {"observations": …} or
// {"error": "…"}}}, so one failing scenario fails only the tests that look at its label.

import { createRequire } from "node:module";
import { fromWire, readStdin, toWire } from "./wire.mjs";

const require = createRequire(import.meta.url);

const RUN_LIMIT_MS = 20_000;

const TRANSPORTS = { websocket: ["websocket"], polling: ["polling"], default: undefined };

// How each generation opens a socket and reports failures. The clients are CommonJS, hence
// createRequire. 1.x and 2.x export `lookup` with a `connect` alias; 3.x and 4.x export `io`.
// Every generation keeps its Manager at `socket.io` and the Engine.IO socket at `socket.io.engine`.
const ADAPTERS = {
  legacy: {
    open: (client, url, options) => client.connect(url, options),
    // Before 3.x a refused namespace arrives as "error", and the connection timeout has its own event.
    failureEvents: ["connect_error", "connect_timeout", "error"],
  },
  modern: {
    open: (client, url, options) => client.io(url, options),
    failureEvents: ["connect_error"],
  },
};

// Loaded generations by npm name, so a scenario with peers of several generations loads each once.
const clients = new Map();

const [defaultClient, url, defaultMode, scenarioName, inputJson] = process.argv.slice(2);

if (!defaultClient || !url || !defaultMode || !scenarioName) {
  await usage("node scenario.mjs <client> <url> <websocket|polling|default> <scenario> [json input | -]");
}
if (!(defaultMode in TRANSPORTS)) {
  await usage(`unknown transport mode "${defaultMode}"; expected ${Object.keys(TRANSPORTS).join(", ")}`);
}
try {
  loadClient(defaultClient);
} catch (error) {
  await usage(error.message);
}
const topInput = fromWire(JSON.parse((inputJson === "-" ? await readStdin() : inputJson) ?? "{}"));

// Every scenario gets a Run (its sockets, its failure) and its input; it resolves with observations.
const scenarios = {
  // The /test namespace greets every new socket.
  async greeting(run) {
    const socket = run.connect("/test");
    const greeting = await next(socket, "my response");
    return { greeting, transport: transportOf(socket) };
  },

  // "my event" is answered to the sender only. To show the other client got nothing without
  // sleeping, the sender then broadcasts a marker: the server handles the sender's packets in
  // order, so anything it wrongly sent to the other client would be queued before the marker.
  async myEvent(run, input) {
    const sender = run.connect("/test");
    const other = run.connect("/test");
    const senderEvents = record(sender, "my response");
    const otherEvents = record(other, "my response");
    await Promise.all([untilCount(senderEvents, 1), untilCount(otherEvents, 1)]);
    sender.emit("my event", { data: input.data });
    await untilCount(senderEvents, 2);
    sender.emit("my broadcast event", { data: input.marker });
    await Promise.all([untilCount(senderEvents, 3), untilCount(otherEvents, 2)]);
    return {
      sender: senderEvents.map((args) => args[0]),
      other: otherEvents.map((args) => args[0]),
      transport: transportOf(sender),
    };
  },

  // "my broadcast event" reaches every client of /test, the sender included.
  async broadcast(run, input) {
    const first = run.connect("/test");
    const second = run.connect("/test");
    const firstEvents = record(first, "my response");
    const secondEvents = record(second, "my response");
    await Promise.all([untilCount(firstEvents, 1), untilCount(secondEvents, 1)]);
    first.emit("my broadcast event", { data: input.data });
    await Promise.all([untilCount(firstEvents, 2), untilCount(secondEvents, 2)]);
    return {
      first: firstEvents.map((args) => args[0]),
      second: secondEvents.map((args) => args[0]),
      transport: transportOf(first),
    };
  },

  // One socket per entry of input.peers ({client, mode}), all on /test at the same time; then, for
  // each entry of input.sends ({peer: index, data}) in turn, that peer emits "my broadcast event"
  // with {data}, and the next waits until every peer has received it. Prints what each received.
  async crossBroadcast(run, input) {
    const peers = input.peers.map(({ client, mode }) => {
      const socket = run.connect("/test", client, mode);
      return { client, mode, socket, responses: record(socket, "my response") };
    });
    await Promise.all(peers.map((peer) => untilCount(peer.responses, 1)));
    for (const [round, { peer, data }] of input.sends.entries()) {
      peers[peer].socket.emit("my broadcast event", { data });
      await Promise.all(peers.map((peer) => untilCount(peer.responses, round + 2)));
    }
    return {
      peers: peers.map(({ client, mode, socket, responses }) => ({
        client,
        version: loadClient(client).version,
        mode,
        transport: transportOf(socket),
        received: responses.map((args) => args[0]),
      })),
    };
  },

  // One socket per entry of input.peers ({client, mode}), all on /test at the same time, kept open
  // for input.holdMs (meant to span several heartbeats of a server with a short pingInterval);
  // then each does a "my event" round trip. Prints the heartbeat packets each engine sent and
  // received, which show who pings whom (Engine.IO v3: the client pings; v4: the server pings).
  async heartbeats(run, input) {
    const peers = input.peers.map(({ client, mode }) => {
      const socket = run.connect("/test", client, mode);
      return { client, mode, socket, heartbeats: countHeartbeats(socket), responses: record(socket, "my response") };
    });
    await Promise.all(peers.map((peer) => untilCount(peer.responses, 1)));
    // Time passing is the point here; a socket lost meanwhile fails the run through its "disconnect".
    await new Promise((resolve) => setTimeout(resolve, input.holdMs));
    for (const peer of peers) {
      peer.socket.emit("my event", { data: input.data });
    }
    await Promise.all(peers.map((peer) => untilCount(peer.responses, 2)));
    return {
      peers: peers.map(({ client, mode, socket, heartbeats, responses }) => ({
        client,
        version: loadClient(client).version,
        mode,
        transport: transportOf(socket),
        heartbeats,
        responses: responses.map((args) => args[0]),
      })),
    };
  },

  // "echo" without an acknowledgement: the server emits "echo" back with the same arguments.
  async echo(run, input) {
    const socket = run.connect("/test");
    await next(socket, "my response");
    const echoed = next(socket, "echo");
    socket.emit("echo", ...input.args);
    return { echoed: await echoed, transport: transportOf(socket) };
  },

  // "echo" of each input string in turn over a WebSocket whose permessage-deflate the client (ws)
  // offers by default: reports what was negotiated, the echoes, and whether the client had to
  // inflate anything (ws creates its inflater on the first compressed message it receives).
  async deflate(run, input) {
    const socket = run.connect("/test");
    await next(socket, "my response");
    const echoes = record(socket, "echo");
    for (const text of input.texts) {
      socket.emit("echo", text);
    }
    await untilCount(echoes, input.texts.length);
    const ws = socket.io.engine.transport.ws;
    const deflate = ws._extensions?.["permessage-deflate"];
    return {
      extensions: ws.extensions,
      inflated: Boolean(deflate?._inflate),
      echoes: echoes.map((args) => args[0]),
      transport: transportOf(socket),
    };
  },

  // "echo" with an acknowledgement: the server answers the ack instead of emitting "echo".
  async echoWithAck(run, input) {
    const socket = run.connect("/test");
    await next(socket, "my response");
    const echoEvents = record(socket, "echo");
    const ack = await emitWithAck(socket, "echo", input.args);
    return { ack, echoEventsBeforeAck: echoEvents.length, transport: transportOf(socket) };
  },

  // "echo-ack" always answers with the arguments.
  async echoAck(run, input) {
    const socket = run.connect("/test");
    await next(socket, "my response");
    const ack = await emitWithAck(socket, "echo-ack", input.args);
    return { ack, transport: transportOf(socket) };
  },

  // The server asks with an acknowledgement ("ask"); the client answers with the arguments it
  // got. The server then emits "done" so this side knows the server has seen the answer.
  async serverAck(run, input) {
    const socket = run.connect(input.namespace);
    const asked = [];
    socket.on("ask", (...args) => {
      const callback = args.pop();
      if (typeof callback !== "function") {
        run.fail(`"ask" arrived without an acknowledgement callback: ${JSON.stringify(toWire(args))}`);
        return;
      }
      asked.push(args);
      callback(...args);
    });
    const done = await next(socket, "done");
    return { asked, done, transport: transportOf(socket) };
  },

  // Many events emitted at once (buffered by the client until it is connected, and in default mode
  // sent while the transport upgrades) each come back through "echo".
  async burst(run, input) {
    const socket = run.connect("/test");
    const echoes = record(socket, "echo");
    for (let i = 0; i < input.count; i++) {
      // Every tenth carries binary, so plain and binary packets interleave.
      socket.emit("echo", i, ...(i % 10 === 0 ? [Buffer.from([i % 256, 1, 2])] : []));
    }
    await untilCount(echoes, input.count);
    return { echoes, transport: transportOf(socket) };
  },

  // In default mode the client starts with polling and upgrades; events must still flow after.
  async upgrade(run, input) {
    const socket = run.connect("/test");
    const watched = watchTransport(socket);
    const responses = record(socket, "my response");
    await untilCount(responses, 1);
    const upgrade = await watched.upgraded;
    socket.emit("my event", { data: input.data });
    await untilCount(responses, 2);
    return {
      transportAtOpen: watched.transportAtOpen(),
      ...upgrade,
      responses: responses.map((args) => args[0]),
      transport: transportOf(socket),
    };
  },

  // Which transports the client used in whatever mode it runs: the transport it opened with, every
  // upgrade (waited for in default mode only: a pinned client never upgrades), and that an event
  // still round-trips at the end.
  async transports(run, input) {
    const socket = run.connect("/test");
    const watched = watchTransport(socket);
    const responses = record(socket, "my response");
    await untilCount(responses, 1);
    if (run.mode === "default") {
      await watched.upgraded;
    }
    socket.emit("my event", { data: input.data });
    await untilCount(responses, 2);
    return {
      transportAtOpen: watched.transportAtOpen(),
      upgrades: watched.upgrades,
      responses: responses.map((args) => args[0]),
      transport: transportOf(socket),
    };
  },
};

/**
 * Runs one scenario to its end: resolves with {observations} or {error}, never rejects. Its sockets
 * are closed afterwards whatever happened, so the next scenario of a batch starts clean.
 */
async function execute(name, input) {
  const scenario = scenarios[name];
  if (!scenario) {
    return { error: `unknown scenario "${name}"; known: ${Object.keys(scenarios).join(", ")}, batch` };
  }
  const run = new Run(name);
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ error: `scenario "${name}" did not finish within ${RUN_LIMIT_MS} ms` }), RUN_LIMIT_MS);
  });
  try {
    return await Promise.race([
      // Errors become values: a scenario that throws after losing the race must not crash Node
      // with an unhandled rejection.
      Promise.resolve()
        .then(() => scenario(run, input))
        .then(
          (observations) => ({ observations: toWire(observations) }),
          (error) => ({ error: `scenario "${name}" failed: ${error?.stack ?? error}` }),
        ),
      run.failed,
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
    run.close();
  }
}

/** One scenario's sockets and its first failure. */
class Run {
  constructor(name) {
    this.name = name;
    this.mode = defaultMode;
    this.sockets = [];
    this.failed = new Promise((resolve) => {
      this.reportFailure = resolve;
    });
  }

  // forceNew: each socket gets its own connection, as two separate users would.
  connect(namespace, clientName = defaultClient, mode = defaultMode) {
    if (!(mode in TRANSPORTS)) {
      throw new Error(`unknown transport mode "${mode}"; expected ${Object.keys(TRANSPORTS).join(", ")}`);
    }
    const client = loadClient(clientName);
    const options = { reconnection: false, forceNew: true, timeout: RUN_LIMIT_MS };
    const socket = client.adapter.open(client.exports, url + namespace, TRANSPORTS[mode] ? { ...options, transports: TRANSPORTS[mode] } : options);
    this.sockets.push(socket);
    // A refused or lost connection can only mean the scenario failed: say why at once instead of
    // waiting for the time limit.
    for (const event of client.adapter.failureEvents) {
      socket.on(event, (error) => this.fail(`${event} on ${namespace} (${clientName}, ${mode}): ${error?.message ?? error}`));
    }
    socket.on("disconnect", (reason) => this.fail(`disconnected from ${namespace} (${clientName}, ${mode}) during the scenario: ${reason}`));
    return socket;
  }

  fail(message) {
    // Only the first failure is the cause; later ones (sockets closing on the way out) are noise.
    this.reportFailure({ error: `scenario "${this.name}": ${message}` });
  }

  close() {
    for (const socket of this.sockets) {
      // Closing on purpose: the "disconnect" it causes is no failure.
      socket.removeAllListeners("disconnect");
      socket.close();
    }
  }
}

function loadClient(name) {
  let client = clients.get(name);
  if (!client) {
    let version;
    let exports;
    try {
      ({ version } = require(`${name}/package.json`));
      exports = require(name);
    } catch (error) {
      throw new Error(`cannot load the client "${name}" (an npm name from package.json): ${error.message}`);
    }
    const major = Number(version.split(".")[0]);
    client = { name, version, exports, adapter: major >= 3 ? ADAPTERS.modern : ADAPTERS.legacy };
    clients.set(name, client);
  }
  return client;
}

// Wrong arguments: nothing has started yet, so exit once the message is out.
function usage(message) {
  process.stderr.write(`scenario.mjs: ${message}\n`, () => process.exit(2));
  // Keeps the caller from continuing while stderr drains.
  return new Promise(() => {});
}

function transportOf(socket) {
  return socket.io.engine?.transport?.name ?? null;
}

// The transport the engine opened with, and its upgrades. The manager creates its engine at once
// (autoConnect), so listeners set right after connecting see everything.
function watchTransport(socket) {
  const engine = socket.io.engine;
  let transportAtOpen = null;
  engine.once("open", () => {
    transportAtOpen = engine.transport.name;
  });
  const upgrades = [];
  const upgraded = new Promise((resolve) => {
    engine.on("upgrade", (transport) => {
      upgrades.push(transport.name);
      resolve({ upgradeEventTransport: transport.name, engineTransportAfterUpgrade: engine.transport.name });
    });
  });
  return { transportAtOpen: () => transportAtOpen, upgrades, upgraded };
}

// Counts the Engine.IO ping and pong packets the engine sends ("packetCreate") and receives
// ("packet"), live: {sent: {ping, pong}, received: {ping, pong}}. Every generation emits both
// events. The upgrade's "probe" ping and pong are not heartbeats and are left out.
function countHeartbeats(socket) {
  const counts = { sent: { ping: 0, pong: 0 }, received: { ping: 0, pong: 0 } };
  const count = (direction) => (packet) => {
    if ((packet.type === "ping" || packet.type === "pong") && packet.data !== "probe") {
      counts[direction][packet.type]++;
    }
  };
  socket.io.engine.on("packetCreate", count("sent"));
  socket.io.engine.on("packet", count("received"));
  return counts;
}

// Resolves with the arguments of the next `event` on `socket`.
function next(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

// Collects the arguments of every `event` on `socket`, in arrival order. The array gets a
// `waiters` list so untilCount can wake up on each arrival instead of polling.
function record(socket, event) {
  const events = [];
  events.waiters = [];
  socket.on(event, (...args) => {
    events.push(args);
    for (const wake of events.waiters.splice(0)) {
      wake();
    }
  });
  return events;
}

async function untilCount(events, count) {
  while (events.length < count) {
    await new Promise((resolve) => events.waiters.push(resolve));
  }
}

function emitWithAck(socket, event, args) {
  return new Promise((resolve) => socket.emit(event, ...args, (...ackArgs) => resolve(ackArgs)));
}


function print(value) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(value) + "\n", resolve));
}

function writeStderr(text) {
  return new Promise((resolve) => process.stderr.write(text, resolve));
}

// Last in the file: the class Run above is only usable once its definition has been evaluated.
if (scenarioName === "batch") {
  const runs = {};
  for (const [label, { scenario, input }] of Object.entries(topInput)) {
    const outcome = await execute(scenario, input ?? {});
    runs[label] = "error" in outcome ? outcome : { observations: outcome.observations };
  }
  const { name, version } = loadClient(defaultClient);
  await print({ client: { name, version }, runs });
  process.exit(0);
} else {
  const outcome = await execute(scenarioName, topInput);
  if ("error" in outcome) {
    await writeStderr(`scenario.mjs: ${outcome.error}\n`);
    process.exit(1);
  }
  await print(outcome.observations);
  process.exit(0);
}
