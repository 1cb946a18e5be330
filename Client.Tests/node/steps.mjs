// Runs a script of steps with real socket.io-client 4.x sockets and prints one JSON line of what
// happened; the NUnit tests make the assertions (the class-based namespace tests use it, where
// each test needs its own sequence of emits, acks and awaited events on chosen namespaces).
//
//   node steps.mjs <url> -        (the script as JSON on stdin)
//
// Script: {
//   "clients": {"<name>": {"namespace": "/chat", "query": {…}, "auth": {…}, "headers": {…} (handshake request headers),
//                          "transport": "websocket"|"polling", "answers": {"<event>": […]} (acks to the server's questions),
//                          "url": "http://…" (another server than <url>), "version": "2" (socket.io-client 2.x: no auth)}},
//   "steps": [
//     {"client": "a", "emit": "event", "args": […]}                       emit, no ack
//     {"client": "a", "emit": "event", "args": […], "ack": true, "label": "x"}   results.x = the ack's arguments
//     {"client": "a", "emit": "event", "args": […], "ack": true, "repeat": 5, "label": "x"}  results.x = [ack args, …] (one after the other,
//                                                                       "intervalMs" apart if given)
//     {"client": "a", "wait": "event", "label": "x"}                      results.x = arguments of the next such event not yet waited for
//     {"fetch": "/path", "method": "POST", "label": "x"}                  results.x = {status, body} (HTTP to the same server)
//     {"client": "a", "disconnect": true}
//   ]
// }
// Every client connects first; a refused one is reported in "connect" ({message, data}) and may
// not be used by steps. Output: {"connect": {name: "connected" | {message, data}},
// "results": {label: …}, "events": {name: [[event, ...args], …]}}. Binary crosses as {"$binary": base64}.

import { io } from "socket.io-client";
import io2 from "sio2";
import { fromWire, readStdin, toWire } from "./wire.mjs";

const LIMIT_MS = 30_000;

const [url, inputArg] = process.argv.slice(2);
const script = JSON.parse(inputArg === "-" || inputArg === undefined ? await readStdin() : inputArg);

const timer = setTimeout(() => fail(`the script did not finish within ${LIMIT_MS} ms`), LIMIT_MS);

const sockets = {};
const events = {};
const cursors = {};
const waiters = {};
const connect = {};

await Promise.all(Object.entries(script.clients).map(([name, options]) => open(name, options)));

const results = {};
for (const [index, step] of script.steps.entries()) {
  const where = `step ${index} (${JSON.stringify(step)})`;
  if (step.fetch) {
    const response = await fetch(url + step.fetch, { method: step.method ?? "GET" });
    results[step.label ?? `fetch${index}`] = { status: response.status, body: await response.text() };
    continue;
  }
  const socket = sockets[step.client];
  if (!socket) {
    throw new Error(`${where}: no connected client "${step.client}"`);
  }
  if (step.disconnect) {
    socket.disconnect();
  } else if (step.emit !== undefined && step.ack) {
    const answers = [];
    for (let i = 0; i < (step.repeat ?? 1); i++) {
      if (i > 0 && step.intervalMs) {
        await new Promise((resolve) => setTimeout(resolve, step.intervalMs));
      }
      answers.push(toWire(await emitWithAck(socket, step.emit, fromWire(step.args ?? []))));
    }
    results[step.label] = step.repeat === undefined ? answers[0] : answers;
  } else if (step.emit !== undefined) {
    socket.emit(step.emit, ...fromWire(step.args ?? []));
  } else if (step.wait !== undefined) {
    results[step.label ?? `wait${index}`] = await nextEvent(step.client, step.wait);
  } else {
    throw new Error(`${where}: unknown step`);
  }
}

clearTimeout(timer);
for (const socket of Object.values(sockets)) {
  socket.disconnect();
}
process.stdout.write(JSON.stringify({ connect, results, events }) + "\n", () => process.exit(0));

function open(name, options) {
  const legacy = options.version === "2";
  const socket = (legacy ? io2 : io)((options.url ?? url) + (options.namespace ?? "/"), {
    forceNew: true,
    reconnection: false,
    transports: [options.transport ?? "websocket"],
    query: options.query,
    auth: options.auth,
    extraHeaders: options.headers,
  });
  events[name] = [];
  // Events the server asks with an acknowledgement: answered with the given arguments.
  for (const [event, answer] of Object.entries(options.answers ?? {})) {
    socket.on(event, (...args) => {
      const ack = args.at(-1);
      if (typeof ack === "function") {
        ack(...fromWire(answer));
      }
    });
  }
  const record = (event, ...args) => {
    events[name].push(toWire([event, ...args]));
    for (const wake of (waiters[name] ?? []).splice(0)) {
      wake();
    }
  };
  if (legacy) {
    // 2.x has no onAny: every incoming event passes through its onevent.
    const onevent = socket.onevent;
    socket.onevent = function (packet) {
      record(...(packet.data ?? []));
      onevent.call(this, packet);
    };
  } else {
    socket.onAny(record);
  }
  return new Promise((resolve) => {
    socket.once("connect", () => {
      sockets[name] = socket;
      connect[name] = "connected";
      resolve();
    });
    socket.once("connect_error", (error) => {
      connect[name] = { message: error.message, data: error.data ?? null };
      socket.close();
      resolve();
    });
    if (legacy) {
      // A refused namespace is an "error" event in 2.x, with the server's data as it is.
      socket.once("error", (error) => {
        connect[name] = { message: error?.message ?? String(error), data: error?.data ?? null };
        socket.close();
        resolve();
      });
    }
  });
}

async function nextEvent(client, event) {
  const key = `${client}\u0000${event}`;
  for (;;) {
    const matching = events[client].filter(([name]) => name === event);
    const seen = cursors[key] ?? 0;
    if (matching.length > seen) {
      cursors[key] = seen + 1;
      return matching[seen].slice(1);
    }
    await new Promise((resolve) => (waiters[client] ??= []).push(resolve));
  }
}

// Every argument of the acknowledgement (emitWithAck would keep only the first).
function emitWithAck(socket, event, args) {
  if (typeof socket.timeout !== "function") {
    // socket.io-client 2.x: no timeout(); the same limit by hand.
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for "${event}" within 15 s`)), 15_000);
      socket.emit(event, ...args, (...answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }
  return new Promise((resolve, reject) =>
    socket.timeout(15_000).emit(event, ...args, (error, ...answer) => (error ? reject(new Error(`no ack for "${event}": ${error.message}`)) : resolve(answer))),
  );
}

function fail(message) {
  process.stderr.write(`steps.mjs: ${message}\n`, () => process.exit(1));
}
