// The Node.js reference with the same handlers as our `--profile bench`:
// namespaces "/" and "/bench"; `echo` answers the sender, `bcast` goes to every other socket.
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3100);
const io = new Server(port, { serveClient: false });
for (const nsp of [io.of("/"), io.of("/bench")]) {
  nsp.on("connection", (socket) => {
    socket.on("echo", (...args) => socket.emit("echo", ...args));
    socket.on("bcast", (...args) => socket.broadcast.emit("bcast", ...args));
  });
}
console.log(`node reference listening on ${port} (pid ${process.pid})`);
