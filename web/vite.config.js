// Builds the chat (web/chat) into web/dist/chat, served by the host at /chat/.
// `dotnet build` of Server/Host runs this (see SocketIoChat.Host.csproj); `npm run dev` serves it
// with hot reload against a host on localhost:5000.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: "chat",
  base: "/chat/",
  plugins: [react()],
  build: {
    outDir: "../dist/chat",
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: { "/socket.io": { target: "http://localhost:5000", ws: true } },
  },
});
