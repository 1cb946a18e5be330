// Drives socket.io-client 4.x against a running server for the socket-layer feature tests
// (BroadcastAckTests, DynamicNamespaceTests…) and prints one JSON line of what it observed. The
// NUnit tests make the assertions; this script fails (non-zero exit, message on stderr) when an
// expected event never comes or the time limit passes.
//
//   node core-features.mjs <url> <scenario> <json input>

import { io } from "socket.io-client";

const LIMIT_MS = 20_000;
const [url, scenarioName, inputJson] = process.argv.slice(2);
const input = JSON.parse(inputJson ?? "{}");
const sockets = [];

function open(namespace, options = {}) {
  const socket = io(url + namespace, { reconnection: false, forceNew: true, transports: ["websocket"], ...options });
  sockets.push(socket);
  return socket;
}

// Resolves with "connect" or {message, data} of "connect_error".
function connected(socket) {
  return new Promise((resolve) => {
    socket.once("connect", () => resolve("connect"));
    socket.once("connect_error", (err) => resolve({ message: err.message, data: err.data ?? null }));
  });
}

const scenarios = {
  // input.answers[i] is what client i acks to "question" (null: it never answers). The last
  // client asks the server to ask everyone else ("ask-all" with input.timeoutMs).
  async broadcastAck() {
    const clients = input.answers.map(() => open(input.namespace));
    const asker = open(input.namespace);
    await Promise.all([...clients, asker].map(connected));
    clients.forEach((socket, i) =>
      socket.on("question", (value, callback) => {
        if (input.answers[i] !== null) callback({ from: i, value, answer: input.answers[i] });
      }));
    const result = await asker.emitWithAck("ask-all", input.timeoutMs);
    return { result };
  },

  // The handler's return value is the acknowledgement.
  async returnAck() {
    const socket = open(input.namespace);
    await connected(socket);
    const sum = await socket.emitWithAck("add", 2, 3);
    const late = await socket.emitWithAck("add-late", 4, 5);
    return { sum, late };
  },

  // Connects to each of input.namespaces (with input.auth) and reports the outcome, plus the
  // first "welcome" each accepted socket gets.
  async connectMany() {
    const outcomes = [];
    for (const namespace of input.namespaces) {
      const socket = open(namespace, { auth: input.auth ?? {} });
      const welcome = new Promise((resolve) => socket.once("welcome", (...args) => resolve(args)));
      const outcome = await connected(socket);
      outcomes.push({ namespace, outcome, welcome: outcome === "connect" ? await welcome : null });
    }
    return { outcomes };
  },
};

const timer = setTimeout(() => {
  console.error(`scenario ${scenarioName} did not finish within ${LIMIT_MS} ms`);
  process.exit(2);
}, LIMIT_MS);

try {
  const observations = await scenarios[scenarioName]();
  console.log(JSON.stringify(observations));
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  sockets.forEach((socket) => socket.disconnect());
}
