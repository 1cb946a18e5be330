// Drives a socket.io-client 2.x (Engine.IO v3) and a 4.x client together against the /probe
// namespace of the conformance profile, for the API features where the client generation
// matters, and prints one JSON line of what each observed. The NUnit test makes the assertions.
//
//   node generations-api.mjs <url> <namespace>

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const v2 = require("sio2");
const v4 = require("socket.io-client");

const LIMIT_MS = 20_000;
const [url, namespace] = process.argv.slice(2);
const timer = setTimeout(() => fail("time limit passed"), LIMIT_MS);

function fail(message) {
  process.stderr.write(message + "\n");
  process.exit(1);
}

function once(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

function ack(socket, ...args) {
  return new Promise((resolve) => socket.emit(...args, (...answer) => resolve(answer)));
}

const old = v2.connect(url + namespace, { transports: ["websocket"], forceNew: true, reconnection: false });
const modern = v4.io(url + namespace, { transports: ["websocket"], forceNew: true, reconnection: false });
for (const socket of [old, modern]) {
  socket.on("connect_error", (err) => fail("connect_error: " + err));
  socket.on("error", (err) => fail("error: " + JSON.stringify(err)));
}
await Promise.all([once(old, "connect"), once(modern, "connect")]);

// The 2.x client answers the server's broadcast question through its ack callback.
old.on("poll", (...args) => args[args.length - 1]("from 2.x"));

const oldRooms = (await ack(old, "rooms"))[0];
const oldRecovered = (await ack(old, "recover-probe"))[0];
const askAll = (await ack(modern, "ask-all", "poll", 5000))[0];

// A room message from the 4.x client to the 2.x client: in a namespace with recovery on, the
// event carries the offset as an extra last argument for every generation.
await ack(old, "join", "mixed");
const received = once(old, "news");
await ack(modern, "to", "mixed", "news", { hello: "2.x" });
const news = await received;

const anyEcho = once(old, "any");
old.emit("whatever", 1, "two");
const any = await anyEcho;

clearTimeout(timer);
console.log(JSON.stringify({ oldId: old.id, oldRooms, oldRecovered, askAll, news, any }));
old.close();
modern.close();
process.exit(0);
