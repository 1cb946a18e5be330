// The chat's connection: one socket.io-client socket to the /chat namespace. Turns server events
// into reducer actions, and keeps the two promises of the UI across short disconnects:
// - nothing is missed: on every (re)connect it asks, per room, for the messages after the last id
//   it has (and for direct messages after the last one), and the reducer drops ids it already has;
// - nothing is sent twice: a message gets a client id when typed; until the server acknowledges
//   it, it is re-sent after each reconnect, and the server stores one message per client id.
import { io } from "socket.io-client";
import { dmKey, roomKey } from "./state.js";

const SESSION_KEY = "socketiochat.session";

export function savedSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
  } catch {
    return null;
  }
}

function saveSession(value) {
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
}

export class ChatClient {
  constructor(dispatch, getState) {
    this.dispatch = dispatch;
    this.getState = getState;
    this.socket = null;
    this.pending = new Map(); // clientId -> { payload }
    this.nickname = null;
    this.token = null;
  }

  login(nickname, token = null, rooms = ["general"]) {
    this.close();
    this.nickname = nickname;
    this.token = token;
    this.initialRooms = rooms;
    this.dispatch({ type: "connecting" });
    const socket = io("/chat", {
      path: "/socket.io",
      // A function, so each reconnect presents the token the server gave this tab.
      auth: (cb) => cb({ nickname: this.nickname, token: this.token }),
    });
    this.socket = socket;

    socket.on("session", ({ nickname: name, token: t }) => {
      const first = this.token == null || !this.getState().me;
      this.nickname = name;
      this.token = t;
      saveSession({ nickname: name, token: t, rooms: this.joinedRooms() });
      this.dispatch({ type: "session", nickname: name, token: t });
      this.dispatch({ type: "status", status: "online" });
      this.sync(first);
    });
    socket.on("connect_error", (err) => {
      // Refused by the server (nickname taken or invalid): not retried by socket.io-client.
      if (!socket.active) {
        this.dispatch({ type: "error", text: err.message });
        this.close();
        saveSession(null);
        this.dispatch({ type: "logout" });
      }
    });
    socket.on("disconnect", () => {
      if (this.socket === socket) this.dispatch({ type: "status", status: "offline" });
    });
    socket.on("rooms", (rooms) => this.dispatch({ type: "rooms", rooms: rooms.map((r) => r.name) }));
    socket.on("message", (m) => this.dispatch({ type: "messages", messages: [m] }));
    socket.on("presence", ({ room, users }) => this.dispatch({ type: "presence", room, users }));
    socket.on("typing", ({ room, from, nickname, typing }) =>
      this.dispatch({ type: "typing", key: room ? roomKey(room) : dmKey(from), nickname, typing }),
    );
  }

  joinedRooms() {
    const joined = this.getState().joined;
    return joined.length > 0 ? joined : this.initialRooms;
  }

  /** After a (re)connect: resume the rooms this tab is in, then re-send what was not acknowledged. */
  async sync(first) {
    const state = this.getState();
    const rooms = this.joinedRooms().map((room) => {
      const after = state.lastRoomId[roomKey(room)];
      return { room, after: first || after == null ? null : after };
    });
    const answer = await this.request("sync", { rooms, dmAfter: state.lastDmId });
    if (!answer.ok) return;
    for (const r of answer.rooms) {
      const resumed = !first && state.lastRoomId[roomKey(r.room)] != null;
      this.dispatch({ type: "room-opened", ...r, resumed, activate: first && !this.getState().active });
    }
    this.dispatch({ type: "messages", messages: answer.direct });
    // Direct messages from before this tab logged in are not fetched; from here on they are.
    this.dispatch({ type: "dm-baseline", lastId: answer.lastId });
    for (const [clientId, payload] of this.pending) this.transmit(clientId, payload);
  }

  request(event, payload) {
    return new Promise((resolve) => {
      if (!this.socket) return resolve({ ok: false, error: "Not connected." });
      this.socket.timeout(15000).emit(event, payload, (err, answer) => {
        resolve(err ? { ok: false, error: "The server did not answer; check your connection." } : answer);
      });
    });
  }

  async joinRoom(room) {
    const answer = await this.request("room:join", { room });
    if (!answer.ok) return this.dispatch({ type: "error", text: answer.error });
    this.dispatch({ type: "room-opened", ...answer, activate: true });
    this.remember();
  }

  async leaveRoom(room) {
    const answer = await this.request("room:leave", { room });
    if (!answer.ok) return this.dispatch({ type: "error", text: answer.error });
    this.dispatch({ type: "room-left", room: answer.room });
    this.remember();
  }

  async createRoom(room) {
    const answer = await this.request("room:create", { room });
    if (!answer.ok) {
      this.dispatch({ type: "error", text: answer.error });
      return false;
    }
    this.dispatch({ type: "room-opened", ...answer, activate: true });
    this.remember();
    return true;
  }

  async openDirect(nickname) {
    const answer = await this.request("dm:open", { with: nickname });
    if (!answer.ok) return this.dispatch({ type: "error", text: answer.error });
    this.dispatch({ type: "dm-opened", ...answer });
  }

  async loadOlder(key) {
    const c = this.getState().convs[key];
    const oldest = c?.messages.find((m) => m.id != null);
    if (!c || !c.hasMore || c.loadingOlder || !oldest) return;
    this.dispatch({ type: "loading-older", key });
    const target = c.kind === "room" ? { room: c.title } : { with: c.title };
    const answer = await this.request("history", { ...target, before: oldest.id });
    this.dispatch({ type: "older", key, messages: answer.ok ? answer.messages : [], hasMore: answer.ok && answer.hasMore });
  }

  send(key, text) {
    const c = this.getState().convs[key];
    if (!c) return;
    const clientId = crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2) + Date.now();
    const target = c.kind === "room" ? { room: c.title } : { to: c.title };
    this.dispatch({ type: "pending", key, clientId, text, ...target });
    const payload = { ...target, text, clientId };
    this.pending.set(clientId, payload);
    if (this.socket?.connected) this.transmit(clientId, payload);
  }

  transmit(clientId, payload) {
    // No timeout: if the connection drops first, sync() sends it again with the same client id.
    this.socket.emit("message", payload, (answer) => {
      if (!this.pending.delete(clientId)) return;
      if (answer.ok) this.dispatch({ type: "messages", messages: [answer.message] });
      else this.dispatch({ type: "refused", clientId, error: answer.error });
    });
  }

  typing(key, typing) {
    const c = this.getState().convs[key];
    if (!c || !this.socket?.connected) return;
    this.socket.emit("typing", c.kind === "room" ? { room: c.title, typing } : { to: c.title, typing });
  }

  remember() {
    if (this.token) saveSession({ nickname: this.nickname, token: this.token, rooms: this.getState().joined });
  }

  async logout() {
    saveSession(null);
    // Tells the server to free the nickname now instead of keeping it for a reconnect.
    if (this.socket?.connected) await this.request("logout", {});
    this.close();
    this.dispatch({ type: "logout" });
  }

  close() {
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.disconnect();
      this.socket = null;
    }
    this.pending.clear();
  }
}
