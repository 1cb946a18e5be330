// A Node socket.io 4.8 server that joins a Redis cluster, so the NUnit tests can put Node and .NET
// servers side by side on one Redis. It serves the same /probe namespace as the .NET conformance
// host (Server/Host/Conformance/ProbeNamespace.cs, "The probe namespace" in docs/api.md), so one
// black-box test can drive either runtime, plus three cluster commands (whoami, servers,
// last-server-event).
//
//   node cluster-server.mjs --redis 127.0.0.1:6379 --server-id A [--port 0] [--adapter pubsub|streams]
//                           [--requests-timeout 5000] [--key socket.io] [--max-seconds 300]
//
// Prints one line {"listening":PORT,"serverId":"A"} on stdout once the HTTP port is open and the
// adapters of "/" and "/probe" are subscribed in Redis. Ends cleanly on SIGTERM, SIGINT or when
// stdin closes (a test that dies takes its servers with it), and exits with code 3 after
// --max-seconds so that nothing lingers. Diagnostics go to stderr.
//
// Do not put pubsub and streams servers with the same --key on one Redis: the streams adapter
// publishes msgpack maps on "<key>#/#", which the classic adapter's "<key>#/#*" pattern receives
// and cannot destructure, and the pubsub server crashes (seen with 8.3.0 and 0.3.1).

import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { createClient } from "redis";
import { Server } from "socket.io";
import { createAdapter as createPubSubAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    redis: { type: "string" },
    "server-id": { type: "string" },
    adapter: { type: "string", default: "pubsub" },
    "requests-timeout": { type: "string", default: "5000" },
    key: { type: "string", default: "socket.io" },
    "max-seconds": { type: "string", default: "300" },
  },
});

if (!options.redis || !options["server-id"] || !["pubsub", "streams"].includes(options.adapter)) {
  process.stderr.write("usage: node cluster-server.mjs --redis HOST:PORT --server-id NAME [--port 0] [--adapter pubsub|streams] [--requests-timeout MS] [--key socket.io] [--max-seconds 300]\n");
  process.exit(2);
}

const serverId = options["server-id"];
const requestsTimeout = Number(options["requests-timeout"]);
const key = options.key;
const redisUrl = `redis://${options.redis}`;

const guard = setTimeout(() => {
  log(`still running after --max-seconds ${options["max-seconds"]}: exiting`);
  process.exit(3);
}, Number(options["max-seconds"]) * 1000);
guard.unref();

// The probe commands handled by name; every other event is echoed back by the catch-all.
const COMMANDS = new Set([
  "join", "leave", "rooms", "to", "broadcast-to", "except", "set-data", "fetch",
  "ask-all", "ask-me", "sockets-join", "disconnect-room", "recover-probe",
  "whoami", "servers", "last-server-event",
]);

const clients = [];
function redisClient() {
  // node-redis reconnects by itself (a test may restart Redis under the servers); without an
  // "error" listener a lost connection would crash the process instead.
  const client = createClient({ url: redisUrl });
  client.on("error", (error) => log(`redis: ${error.message}`));
  clients.push(client);
  return client;
}

const pub = redisClient();
await pub.connect();
let adapter;
if (options.adapter === "pubsub") {
  const sub = redisClient();
  await sub.connect();
  adapter = createPubSubAdapter(pub, sub, { key, requestsTimeout });
} else {
  // The streams adapter duplicates the client for its XREAD loop and its subscriptions.
  adapter = createStreamsAdapter(pub, { channelPrefix: key, streamName: key, requestsTimeout });
}

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter,
  // socket.io-client 2.x (Engine.IO v3) clients too, as the .NET host serves them.
  allowEIO3: true,
  // socket.io only has a server-wide connectionStateRecovery (not per namespace, unlike the .NET
  // host, which enables it for /probe only), and the classic pub/sub adapter cannot recover
  // sessions anyway: it is turned on only with the streams adapter, which can.
  ...(options.adapter === "streams" ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {}),
});

// Server-side events on the main namespace, from other servers or from @socket.io/redis-emitter.
let lastServerEvent = null;
io.on("probe-hello", (callback) => callback(serverId));
io.on("emitter-ping", (...args) => {
  lastServerEvent = withoutCallback(args);
});

const probe = io.of("/probe");
const children = io.of(/^\/probe-\d+$/);
for (const nsp of [probe, children]) {
  nsp.use(refuseBadToken);
  nsp.on("connection", attach);
}

function refuseBadToken(socket, next) {
  if (socket.handshake.auth?.token === "bad") {
    const error = new Error("unauthorized");
    error.data = { code: 401 };
    return next(error);
  }
  next();
}

function attach(socket) {
  // A child of the regex parent has its own rooms and sockets: always act on the socket's own namespace.
  const nsp = socket.nsp;
  command(socket, "join", (ack, room) => {
    socket.join(roomName(room, 0));
    ack(true);
  });
  command(socket, "leave", (ack, room) => {
    socket.leave(roomName(room, 0));
    ack(true);
  });
  command(socket, "rooms", (ack) => ack(sorted(socket.rooms)));
  command(socket, "to", (ack, room, event, payload) => {
    nsp.to(roomName(room, 0)).emit(eventName(event, 1), payload);
    ack(true);
  });
  command(socket, "broadcast-to", (ack, room, event, payload) => {
    socket.to(roomName(room, 0)).emit(eventName(event, 1), payload);
    ack(true);
  });
  command(socket, "except", (ack, room, event, payload) => {
    nsp.except(roomName(room, 0)).emit(eventName(event, 1), payload);
    ack(true);
  });
  command(socket, "set-data", (ack, value) => {
    socket.data.probe = value;
    ack(true);
  });
  command(socket, "fetch", async (ack, room) => {
    const sockets = await (room === null || room === undefined ? nsp : nsp.in(String(room))).fetchSockets();
    ack(sockets.map((s) => ({ id: s.id, rooms: sorted(s.rooms), data: s.data?.probe === undefined ? {} : s.data.probe })));
  });
  command(socket, "ask-all", (ack, event, timeoutMs) => {
    // The callback form: on a timeout it still gets the answers received so far, which is what the
    // .NET host acknowledges (emitWithAck would reject and lose them).
    socket.broadcast.timeout(milliseconds(timeoutMs, 1)).emit(eventName(event, 0), (_error, responses) => ack(responses));
  });
  command(socket, "ask-me", async (ack, timeoutMs) => {
    let answer;
    try {
      answer = await socket.timeout(milliseconds(timeoutMs, 0)).emitWithAck("question");
    } catch {
      return ack("timeout");
    }
    ack(answer === undefined ? null : answer);
  });
  command(socket, "sockets-join", (ack, room, target) => {
    nsp.in(roomName(room, 0)).socketsJoin(roomName(target, 1));
    ack(true);
  });
  command(socket, "disconnect-room", (ack, room) => {
    // Answered first: the sender may be in the room, and a disconnected socket gets no ack.
    ack(true);
    nsp.in(roomName(room, 0)).disconnectSockets();
  });
  command(socket, "recover-probe", (ack) => ack(socket.recovered));
  command(socket, "whoami", (ack) => ack(serverId));
  command(socket, "servers", async (ack, timeoutMs) => {
    // Namespace has no timeout() for server-side emits (io.timeout() is a broadcast operator), and
    // the adapter's own limit is --requests-timeout: race the command's limit against it.
    const limit = milliseconds(timeoutMs, 0);
    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(null), limit)));
    const answers = io.serverSideEmitWithAck("probe-hello").catch((error) => {
      log(`servers: ${error.message}`);
      return null;
    });
    const result = await Promise.race([answers, timedOut]);
    clearTimeout(timer);
    // An empty array when the time ran out, never a partial list: a test asserts the full membership.
    ack(result === null ? [] : [...result].sort());
  });
  command(socket, "last-server-event", (ack) => ack(lastServerEvent));
  socket.onAny((event, ...args) => {
    if (!COMMANDS.has(event)) {
      socket.emit("any", [event, ...withoutCallback(args)]);
    }
  });
}

// Registers a probe command. The handler gets an ack that does nothing when the client asked for
// none. A bad argument or a failed operation is logged and not acknowledged, as the .NET host does
// (it logs the handler's exception), instead of crashing the server.
function command(socket, name, handler) {
  socket.on(name, async (...args) => {
    const callback = typeof args.at(-1) === "function" ? args.pop() : undefined;
    const ack = (value) => callback?.(value);
    try {
      await handler(ack, ...args);
    } catch (error) {
      log(`command ${name} on ${socket.nsp.name} failed: ${error?.message ?? error}`);
    }
  });
}

function roomName(value, index) {
  if (value === null || value === undefined || typeof value === "object") {
    throw new Error(`argument ${index} must be a room name`);
  }
  return String(value);
}

function eventName(value, index) {
  if (typeof value !== "string") {
    throw new Error(`argument ${index} must be an event name`);
  }
  return value;
}

function milliseconds(value, index) {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new Error(`argument ${index} must be a timeout in milliseconds`);
  }
  return Math.min(Math.max(value, 0), 60_000);
}

// Code-unit order, like the .NET host's StringComparer.Ordinal.
function sorted(values) {
  return [...values].sort();
}

function withoutCallback(args) {
  return typeof args.at(-1) === "function" ? args.slice(0, -1) : args;
}

function log(message) {
  process.stderr.write(`cluster-server ${serverId ?? ""}: ${message}\n`);
}

// The adapters subscribe as the namespaces are created, without a promise to await: a channel
// only this server's adapter listens on tells when Redis has registered them (the last one each
// adapter subscribes to), so "listening" means the rest of the cluster can already count this server.
async function subscribed(nsp) {
  const channel = options.adapter === "pubsub"
    ? `${key}-response#${nsp.name}#${nsp.adapter.uid}#`
    : `${key}#${nsp.name}#${nsp.adapter.uid}#`;
  for (;;) {
    const [, count] = await pub.sendCommand(["PUBSUB", "NUMSUB", channel]);
    if (Number(count) > 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

await Promise.all([subscribed(io.of("/")), subscribed(probe)]);
await new Promise((resolve, reject) => {
  httpServer.once("error", reject);
  httpServer.listen(Number(options.port), "127.0.0.1", resolve);
});
process.stdout.write(JSON.stringify({ listening: httpServer.address().port, serverId }) + "\n");

let stopping = false;
async function stop(why) {
  if (stopping) {
    return;
  }
  stopping = true;
  log(`stopping (${why})`);
  // Redis may be gone (a test stopped it first): never wait long for a polite goodbye.
  setTimeout(() => process.exit(0), 3000).unref();
  try {
    await new Promise((resolve) => io.close(() => resolve()));
    await Promise.allSettled(clients.map((client) => client.quit()));
  } catch (error) {
    log(`while stopping: ${error.message}`);
  }
  process.exit(0);
}

process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
process.stdin.on("end", () => stop("stdin closed"));
process.stdin.on("error", () => stop("stdin error"));
process.stdin.resume();
