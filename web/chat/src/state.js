// The chat's state and every change to it. Pure: the socket (client.js) dispatches actions,
// React renders the result. Conversations are keyed "#room" or "@nickname" (lower case).

export const roomKey = (room) => "#" + room.toLowerCase();
export const dmKey = (nickname) => "@" + nickname.toLowerCase();

/** The conversation a message belongs to, as seen by `me`. */
export function keyOf(message, me) {
  if (message.room) return roomKey(message.room);
  const other = message.author.toLowerCase() === me.toLowerCase() ? message.to : message.author;
  return dmKey(other);
}

export const initialState = {
  me: null, // { nickname, token }
  status: "idle", // idle | connecting | online | offline
  rooms: [], // every room's name
  joined: [], // names of the rooms this user is in
  dms: [], // nicknames with an open direct conversation
  active: null, // key of the conversation on screen
  convs: {}, // key -> { title, kind, messages, hasMore, loadingOlder, users }
  unread: {}, // key -> count
  typing: {}, // key -> { nickname: expiresAt }
  lastRoomId: {}, // room key -> highest message id received (to resume after a reconnect)
  lastDmId: null, // highest direct message id received (null: none asked for yet)
  error: null, // { text, at }
};

function conv(state, key, title, kind) {
  return state.convs[key] ?? { title, kind, messages: [], hasMore: false, loadingOlder: false, users: [] };
}

/** Merges messages by id (each id once), keeps pending ones (no id yet) at the end. */
function merge(existing, incoming) {
  const byId = new Map();
  const pending = [];
  for (const m of existing) {
    if (m.id == null) pending.push(m);
    else byId.set(m.id, m);
  }
  for (const m of incoming) byId.set(m.id, m);
  const confirmedClientIds = new Set([...byId.values()].map((m) => m.clientId).filter(Boolean));
  const sorted = [...byId.values()].sort((a, b) => a.id - b.id);
  return [...sorted, ...pending.filter((m) => !confirmedClientIds.has(m.clientId))];
}

function withConv(state, key, title, kind, change) {
  const c = conv(state, key, title, kind);
  return { ...state, convs: { ...state.convs, [key]: { ...c, title, ...change(c) } } };
}

/** Adds messages to their conversations; counts as unread the ones not on screen and not mine. */
function receive(state, messages, countUnread) {
  let next = state;
  for (const m of messages) {
    const key = keyOf(m, state.me.nickname);
    const mine = m.author.toLowerCase() === state.me.nickname.toLowerCase();
    const known = next.convs[key]?.messages.some((x) => x.id === m.id);
    if (m.room) {
      next = withConv(next, key, m.room, "room", (c) => ({ messages: merge(c.messages, [m]) }));
      next = { ...next, lastRoomId: { ...next.lastRoomId, [key]: Math.max(next.lastRoomId[key] ?? 0, m.id) } };
    } else {
      const other = mine ? m.to : m.author;
      next = withConv(next, key, other, "dm", (c) => ({ messages: merge(c.messages, [m]) }));
      next = { ...next, lastDmId: Math.max(next.lastDmId ?? 0, m.id) };
      if (!next.dms.some((n) => n.toLowerCase() === other.toLowerCase())) next = { ...next, dms: [...next.dms, other] };
    }
    if (!known && countUnread && !mine && key !== next.active) {
      next = { ...next, unread: { ...next.unread, [key]: (next.unread[key] ?? 0) + 1 } };
    }
    // Whoever wrote has stopped typing.
    if (next.typing[key]?.[m.author]) {
      const { [m.author]: _, ...rest } = next.typing[key];
      next = { ...next, typing: { ...next.typing, [key]: rest } };
    }
  }
  return next;
}

export function reducer(state, action) {
  switch (action.type) {
    case "connecting":
      return { ...state, status: "connecting" };
    case "session":
      return { ...state, me: { nickname: action.nickname, token: action.token } };
    case "status":
      return { ...state, status: action.status };
    case "logout":
      return { ...initialState, error: state.error };
    case "rooms":
      return { ...state, rooms: action.rooms };
    case "room-opened": {
      // A room joined (or resumed after a reconnect). `resumed` messages are new to the user.
      const key = roomKey(action.room);
      let next = withConv(state, key, action.room, "room", (c) => ({
        users: action.users,
        hasMore: action.resumed ? c.hasMore : action.hasMore,
      }));
      if (!next.joined.some((r) => r.toLowerCase() === action.room.toLowerCase())) next = { ...next, joined: [...next.joined, action.room] };
      next = receive(next, action.messages, action.resumed);
      return action.activate ? activate(next, key) : next;
    }
    case "room-left": {
      const key = roomKey(action.room);
      const joined = state.joined.filter((r) => r.toLowerCase() !== action.room.toLowerCase());
      const { [key]: _, ...convs } = state.convs;
      const { [key]: __, ...unread } = state.unread;
      const { [key]: ___, ...lastRoomId } = state.lastRoomId;
      const active = state.active === key ? (joined[0] ? roomKey(joined[0]) : null) : state.active;
      return { ...state, joined, convs, unread, lastRoomId, active };
    }
    case "dm-opened": {
      const key = dmKey(action.with);
      let next = withConv(state, key, action.with, "dm", () => ({ hasMore: action.hasMore, online: action.online, lastSeen: action.lastSeen }));
      if (!next.dms.some((n) => n.toLowerCase() === action.with.toLowerCase())) next = { ...next, dms: [...next.dms, action.with] };
      next = receive(next, action.messages, false);
      return activate(next, key);
    }
    case "dm-baseline":
      return state.lastDmId == null ? { ...state, lastDmId: action.lastId } : state;
    case "messages":
      return receive(state, action.messages, action.countUnread ?? true);
    case "older": {
      const c = state.convs[action.key];
      if (!c) return state;
      return withConv(state, action.key, c.title, c.kind, (x) => ({
        messages: merge(x.messages, action.messages),
        hasMore: action.hasMore,
        loadingOlder: false,
      }));
    }
    case "loading-older": {
      const c = state.convs[action.key];
      return c ? withConv(state, action.key, c.title, c.kind, () => ({ loadingOlder: true })) : state;
    }
    case "pending": {
      const c = state.convs[action.key];
      if (!c) return state;
      const m = { id: null, clientId: action.clientId, author: state.me.nickname, text: action.text, room: action.room ?? null, to: action.to ?? null, sentAt: Date.now(), pending: true };
      return withConv(state, action.key, c.title, c.kind, (x) => ({ messages: [...x.messages, m] }));
    }
    case "refused": {
      const convs = {};
      for (const [key, c] of Object.entries(state.convs)) {
        convs[key] = c.messages.some((m) => m.clientId === action.clientId && m.id == null)
          ? { ...c, messages: c.messages.filter((m) => !(m.clientId === action.clientId && m.id == null)) }
          : c;
      }
      return { ...state, convs, error: { text: action.error, at: Date.now() } };
    }
    case "presence": {
      const key = roomKey(action.room);
      if (!state.convs[key]) return state;
      return withConv(state, key, action.room, "room", () => ({ users: action.users }));
    }
    case "typing": {
      const current = { ...(state.typing[action.key] ?? {}) };
      if (action.typing) current[action.nickname] = Date.now() + 6000;
      else delete current[action.nickname];
      return { ...state, typing: { ...state.typing, [action.key]: current } };
    }
    case "typing-expire": {
      const now = Date.now();
      const typing = {};
      let changed = false;
      for (const [key, people] of Object.entries(state.typing)) {
        const still = Object.entries(people).filter(([, until]) => until > now);
        changed ||= still.length !== Object.keys(people).length;
        typing[key] = Object.fromEntries(still);
      }
      return changed ? { ...state, typing } : state;
    }
    case "activate":
      return activate(state, action.key);
    case "error":
      return { ...state, error: { text: action.text, at: Date.now() } };
    case "clear-error":
      return state.error && state.error.at === action.at ? { ...state, error: null } : state;
    default:
      throw new Error("Unknown action " + action.type);
  }
}

function activate(state, key) {
  return { ...state, active: key, unread: { ...state.unread, [key]: 0 } };
}

/** A tiny store: the socket code reads the state it just changed, React subscribes to it. */
export function createStore() {
  let state = initialState;
  const listeners = new Set();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next !== state) {
        state = next;
        for (const l of listeners) l();
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
