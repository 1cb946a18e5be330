// Drives socket.io-client 4.x through a connection loss and a reconnection for
// ConnectionStateRecoveryTests and prints one JSON line of what it observed; the NUnit tests make
// the assertions. Fails (non-zero exit, message on stderr) when an expected event never comes.
//
//   node recovery.mjs <url> <json input>
//
// Input: {namespace, room, data, count, how: "engine-close" | "client-disconnect", waitMs, transport}
// 1. "main" connects, asks the server to join `room` and store `data` ("setup"), and waits for
//    "ready" (an event from the server, so that the client holds an offset).
// 2. "main" loses its connection: its engine is closed under it (how = "engine-close", the server
//    sees "transport close") or it leaves on purpose (how = "client-disconnect").
// 3. A second client, "driver", asks the server to emit `count` rounds of events while "main" is
//    away ("emit-missed"; the server waits until it has seen "main" leave), then waits `waitMs`.
// 4. "main" connects again, asks for its state ("state") and for a last event ("sync" → "end").
// Output: {first, clientReason, second, state, events}: first/second = {id, recovered} of each
// connection; events = every event "main" received after step 3, up to and including "end".

import { io } from "socket.io-client";

const LIMIT_MS = 30_000;
const [url, inputJson] = process.argv.slice(2);
const input = JSON.parse(inputJson ?? "{}");
const sockets = [];

function open(namespace, options = {}) {
  const socket = io(url + namespace, {
    reconnection: false,
    forceNew: true,
    transports: [input.transport ?? "websocket"],
    ...options,
  });
  sockets.push(socket);
  return socket;
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(new Error("connect_error: " + err.message)));
  });
}

function next(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

// Binary arrives as a Buffer: show it as {"$binary": base64} so it survives JSON.
function plain(value) {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return { $binary: Buffer.from(value.buffer ?? value, value.byteOffset ?? 0, value.byteLength).toString("base64") };
  }
  return value;
}

async function run() {
  const main = open(input.namespace);
  const events = [];
  main.onAny((name, ...args) => events.push([name, ...args.map(plain)]));
  await connected(main);
  const first = { id: main.id, recovered: main.recovered === true };
  const ready = next(main, "ready");
  await main.emitWithAck("setup", input.room, input.data);
  await ready;

  const driver = open(input.namespace);
  await connected(driver);

  const disconnected = next(main, "disconnect");
  if (input.how === "client-disconnect") {
    main.disconnect();
  } else {
    main.io.engine.close();
  }
  const [clientReason] = await disconnected;
  await driver.emitWithAck("emit-missed", first.id, input.room, input.count);
  if (input.waitMs) {
    // The condition under test is the passing of time itself (a session outliving its window).
    await new Promise((resolve) => setTimeout(resolve, input.waitMs));
  }

  const mark = events.length;
  const reconnected = connected(main);
  main.connect();
  await reconnected;
  const second = { id: main.id, recovered: main.recovered === true };
  const state = await main.emitWithAck("state");
  const end = next(main, "end");
  await main.emitWithAck("sync");
  await end;
  return { first, clientReason, second, state, events: events.slice(mark) };
}

const timer = setTimeout(() => {
  console.error(`recovery.mjs did not finish within ${LIMIT_MS} ms`);
  process.exit(2);
}, LIMIT_MS);

try {
  console.log(JSON.stringify(await run()));
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  sockets.forEach((socket) => socket.disconnect());
}
