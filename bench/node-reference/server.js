// The Node.js reference with the same handlers as our `--profile bench`:
// namespaces "/" and "/bench"; `echo` answers the sender, `bcast` goes to every other socket.
// `node server.js PORT [--redis HOST:PORT]`: with --redis, a member of a cluster through
// @socket.io/redis-adapter (as our `--redis`), for the cluster-broadcast scenario.
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3100);
const redisAt = process.argv.indexOf("--redis");

async function main() {
  const options = { serveClient: false };
  if (redisAt > 0) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: `redis://${process.argv[redisAt + 1]}` });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    options.adapter = createAdapter(pub, sub);
  }
  const io = new Server(port, options);
  for (const nsp of [io.of("/"), io.of("/bench")]) {
    nsp.on("connection", (socket) => {
      socket.on("echo", (...args) => socket.emit("echo", ...args));
      socket.on("bcast", (...args) => socket.broadcast.emit("bcast", ...args));
    });
  }
  console.log(`node reference listening on ${port} (pid ${process.pid})`);
}

main();
