// Drives the real npm socket.io-client against a running server for one scenario and prints one
// JSON line of what it observed. The NUnit tests (NodeClientTests.cs) make the assertions, so this
// script only records; it fails (non-zero exit, message on stderr) when an expected event never
// comes, the connection is refused, or the overall time limit passes.
//
//   node scenario.mjs <url> <websocket|polling|default> <scenario> [json input | -]
//
// "-" reads the input from stdin (command lines are too short for large payloads).
// Binary values cross the process boundary as {"$binary": "<base64>"}: such markers in the input
// become Buffers before sending, and received Buffers are printed the same way. Binary that arrives
// as anything but a Buffer is printed with a "$type" so a comparison with the input fails visibly.

import { io } from "socket.io-client";

const OVERALL_LIMIT_MS = 20_000;

const TRANSPORTS = { websocket: ["websocket"], polling: ["polling"], default: undefined };

// Every socket opened, so a failure can close them all and the process can end promptly.
const sockets = [];
let failed = false;

const [url, mode, scenario, inputJson] = process.argv.slice(2);

// Not unref'd: this timer is what guarantees the process ends even if the client waits forever.
const overall = setTimeout(
  () => fail(`scenario "${scenario}" did not finish within ${OVERALL_LIMIT_MS} ms`),
  OVERALL_LIMIT_MS,
);

if (!url || !mode || !scenario) {
  await fail("usage: node scenario.mjs <url> <websocket|polling|default> <scenario> [json input | -]");
}
if (!(mode in TRANSPORTS)) {
  await fail(`unknown transport mode "${mode}"; expected ${Object.keys(TRANSPORTS).join(", ")}`);
}
const input = fromWire(JSON.parse((inputJson === "-" ? await readStdin() : inputJson) ?? "{}"));

const scenarios = {
  // The /test namespace greets every new socket.
  async greeting() {
    const socket = connect("/test");
    const greeting = await next(socket, "my response");
    return { greeting, transport: transportOf(socket) };
  },

  // "my event" is answered to the sender only. To show the other client got nothing without
  // sleeping, the sender then broadcasts a marker: the server handles the sender's packets in
  // order, so anything it wrongly sent to the other client would be queued before the marker.
  async myEvent() {
    const sender = connect("/test");
    const other = connect("/test");
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
  async broadcast() {
    const first = connect("/test");
    const second = connect("/test");
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

  // "echo" without an acknowledgement: the server emits "echo" back with the same arguments.
  async echo() {
    const socket = connect("/test");
    await next(socket, "my response");
    const echoed = next(socket, "echo");
    socket.emit("echo", ...input.args);
    return { echoed: await echoed, transport: transportOf(socket) };
  },

  // "echo" with an acknowledgement: the server answers the ack instead of emitting "echo".
  async echoWithAck() {
    const socket = connect("/test");
    await next(socket, "my response");
    const echoEvents = record(socket, "echo");
    const ack = await emitWithAck(socket, "echo", input.args);
    return { ack, echoEventsBeforeAck: echoEvents.length, transport: transportOf(socket) };
  },

  // "echo-ack" always answers with the arguments.
  async echoAck() {
    const socket = connect("/test");
    await next(socket, "my response");
    const ack = await emitWithAck(socket, "echo-ack", input.args);
    return { ack, transport: transportOf(socket) };
  },

  // The server asks with an acknowledgement ("ask"); the client answers with the arguments it
  // got. The server then emits "done" so this side knows the server has seen the answer.
  async serverAck() {
    const socket = io(url + input.namespace, clientOptions());
    sockets.push(socket);
    watchFailures(socket, input.namespace);
    const asked = [];
    socket.on("ask", (...args) => {
      const callback = args.pop();
      if (typeof callback !== "function") {
        fail(`"ask" arrived without an acknowledgement callback: ${JSON.stringify(toWire(args))}`);
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
  async burst() {
    const socket = connect("/test");
    const echoes = record(socket, "echo");
    for (let i = 0; i < input.count; i++) {
      // Every tenth carries binary, so plain and binary packets interleave.
      socket.emit("echo", i, ...(i % 10 === 0 ? [Buffer.from([i % 256, 1, 2])] : []));
    }
    await untilCount(echoes, input.count);
    return { echoes, transport: transportOf(socket) };
  },

  // In default mode the client starts with polling and upgrades; events must still flow after.
  async upgrade() {
    const socket = connect("/test");
    // The manager creates its engine at once (autoConnect), so listeners set now see everything.
    const engine = socket.io.engine;
    let transportAtOpen = null;
    engine.once("open", () => {
      transportAtOpen = engine.transport.name;
    });
    const responses = record(socket, "my response");
    const upgraded = new Promise((resolve) => {
      engine.once("upgrade", (transport) =>
        resolve({ upgradeEventTransport: transport.name, engineTransportAfterUpgrade: engine.transport.name }),
      );
    });
    await untilCount(responses, 1);
    const upgrade = await upgraded;
    socket.emit("my event", { data: input.data });
    await untilCount(responses, 2);
    return {
      transportAtOpen,
      ...upgrade,
      responses: responses.map((args) => args[0]),
      transport: transportOf(socket),
    };
  },
};

const run = scenarios[scenario];
if (!run) {
  await fail(`unknown scenario "${scenario}"; known: ${Object.keys(scenarios).join(", ")}`);
}
run().then(
  (observations) => {
    process.stdout.write(JSON.stringify(toWire(observations)) + "\n", () => finish(0));
  },
  (error) => fail(`scenario "${scenario}" failed: ${error?.stack ?? error}`),
);

// forceNew: each socket gets its own connection, as two separate users would.
function clientOptions() {
  const options = { reconnection: false, forceNew: true, timeout: OVERALL_LIMIT_MS };
  return TRANSPORTS[mode] ? { ...options, transports: TRANSPORTS[mode] } : options;
}

function connect(namespace) {
  const socket = io(url + namespace, clientOptions());
  sockets.push(socket);
  watchFailures(socket, namespace);
  return socket;
}

// A refused or lost connection can only mean the scenario failed: say why at once instead of
// waiting for the overall limit.
function watchFailures(socket, namespace) {
  socket.on("connect_error", (error) => fail(`connect_error on ${namespace}: ${error?.message ?? error}`));
  socket.on("disconnect", (reason) => fail(`disconnected from ${namespace} during the scenario: ${reason}`));
}

function transportOf(socket) {
  return socket.io.engine?.transport?.name ?? null;
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

// {"$binary": base64} markers -> Buffers, recursively.
function fromWire(value) {
  if (Array.isArray(value)) {
    return value.map(fromWire);
  }
  if (value !== null && typeof value === "object") {
    if (typeof value.$binary === "string" && Object.keys(value).length === 1) {
      return Buffer.from(value.$binary, "base64");
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromWire(item)]));
  }
  return value;
}

// Buffers (and any other binary) -> {"$binary": base64} markers, recursively.
function toWire(value) {
  if (Buffer.isBuffer(value)) {
    return { $binary: value.toString("base64") };
  }
  if (value instanceof ArrayBuffer) {
    return { $binary: Buffer.from(value).toString("base64"), $type: "ArrayBuffer" };
  }
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { $binary: bytes.toString("base64"), $type: value.constructor.name };
  }
  if (Array.isArray(value)) {
    return value.map(toWire);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWire(item)]));
  }
  return value;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function finish(code) {
  clearTimeout(overall);
  for (const socket of sockets) {
    // Closing on purpose: the "disconnect" it causes is no failure any more.
    socket.removeAllListeners("disconnect");
    socket.close();
  }
  process.exit(code);
}

function fail(message) {
  // Only the first failure is the cause; later ones (sockets closing on the way out) are noise.
  if (failed) {
    return new Promise(() => {});
  }
  failed = true;
  process.stderr.write(`scenario.mjs: ${message}\n`, () => finish(1));
  // finish() runs from the write callback; this keeps callers from continuing meanwhile.
  return new Promise(() => {});
}
