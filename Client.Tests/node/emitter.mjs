// Runs @socket.io/redis-emitter 5.1.0 commands for the NUnit tests, so they can check that a
// cluster (Node and .NET servers on one Redis) obeys the Node emitter.
//
//   node emitter.mjs --redis 127.0.0.1:6379 [--key socket.io] [--max-seconds 300]
//
// Prints {"ready":true} once connected to Redis, then reads one JSON command per stdin line and
// answers each with one line, {"ok":true} or {"error":"..."}, in order:
//   {"op":"emit", "nsp":"/probe", "to":["room"], "except":[], "volatile":false, "compress":true, "event":"x", "args":[…]}
//   {"op":"socketsJoin",  "nsp":"/", "to":[…], "except":[…], "rooms":["r1", …]}
//   {"op":"socketsLeave", "nsp":"/", "to":[…], "except":[…], "rooms":["r1", …]}
//   {"op":"disconnectSockets", "nsp":"/", "to":[…], "except":[…], "close":false}
//   {"op":"serverSideEmit", "nsp":"/", "event":"emitter-ping", "args":[…]}
// Every field but "op" (and "event" for the emits) is optional; "nsp" defaults to "/". Binary
// arguments are {"$binary": base64} markers (wire.mjs), sent as Buffers. "ok" means Redis has
// received the PUBLISH, not that the servers have handled it. Exits when stdin closes, and with
// code 3 after --max-seconds so that nothing lingers.

import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import { fromWire } from "./wire.mjs";

const { values: options } = parseArgs({
  options: {
    redis: { type: "string" },
    key: { type: "string", default: "socket.io" },
    "max-seconds": { type: "string", default: "300" },
  },
});

if (!options.redis) {
  process.stderr.write("usage: node emitter.mjs --redis HOST:PORT [--key socket.io] [--max-seconds 300]\n");
  process.exit(2);
}

const guard = setTimeout(() => {
  process.stderr.write(`emitter.mjs: still running after --max-seconds ${options["max-seconds"]}: exiting\n`);
  process.exit(3);
}, Number(options["max-seconds"]) * 1000);
guard.unref();

const client = createClient({ url: `redis://${options.redis}` });
client.on("error", (error) => process.stderr.write(`emitter.mjs: redis: ${error.message}\n`));
await client.connect();
const emitter = new Emitter(client, { key: options.key });
print({ ready: true });

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() === "") {
    continue;
  }
  try {
    run(JSON.parse(line));
    // The emitter publishes without returning the promise: a PING on the same connection is
    // answered only after Redis has executed every command sent before it.
    await client.ping();
    print({ ok: true });
  } catch (error) {
    print({ error: String(error?.message ?? error) });
  }
}

setTimeout(() => process.exit(0), 3000).unref();
await client.quit().catch(() => {});
process.exit(0);

function run(command) {
  const namespace = emitter.of(command.nsp ?? "/");
  switch (command.op) {
    case "emit":
      target(namespace, command).emit(command.event, ...fromWire(command.args ?? []));
      break;
    case "socketsJoin":
      target(namespace, command).socketsJoin(command.rooms ?? []);
      break;
    case "socketsLeave":
      target(namespace, command).socketsLeave(command.rooms ?? []);
      break;
    case "disconnectSockets":
      target(namespace, command).disconnectSockets(command.close === true);
      break;
    case "serverSideEmit":
      namespace.serverSideEmit(command.event, ...fromWire(command.args ?? []));
      break;
    default:
      throw new Error(`unknown op ${JSON.stringify(command.op)}`);
  }
}

// The rooms, exceptions and flags of a command applied to the namespace's emitter.
function target(namespace, command) {
  let operator = namespace;
  if (command.to?.length) {
    operator = operator.to(command.to);
  }
  if (command.except?.length) {
    operator = operator.except(command.except);
  }
  if (command.volatile === true) {
    operator = operator.volatile;
  }
  if (command.compress === false) {
    operator = operator.compress(false);
  }
  return operator;
}

function print(value) {
  process.stdout.write(JSON.stringify(value) + "\n");
}
