import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ChatClient, savedSession } from "./client.js";
import { createStore, dmKey, roomKey } from "./state.js";

const MAX_LENGTH = 2000; // the server's limit, shown as a hint; the server enforces it
const ERROR_MS = 6000; // the banner stays at least this long (the selectors promise ≥ 3 s)

const store = createStore();
const client = new ChatClient(store.dispatch, store.getState);

export function App() {
  const state = useSyncExternalStore(store.subscribe, store.getState);

  // A reload of the tab resumes its session: same nickname (token) and rooms.
  useEffect(() => {
    const saved = savedSession();
    if (saved && !client.socket) client.login(saved.nickname, saved.token, saved.rooms?.length ? saved.rooms : ["general"]);
  }, []);

  return (
    <div className="app" data-connection={state.status}>
      <ErrorBanner error={state.error} />
      {state.me ? <Chat state={state} /> : <Login connecting={state.status === "connecting"} />}
    </div>
  );
}

function ErrorBanner({ error }) {
  useEffect(() => {
    if (!error) return undefined;
    const timer = setTimeout(() => store.dispatch({ type: "clear-error", at: error.at }), ERROR_MS);
    return () => clearTimeout(timer);
  }, [error]);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" key={error.at}>
      {error.text}
    </div>
  );
}

function Login({ connecting }) {
  const [nickname, setNickname] = useState("");
  const submit = (e) => {
    e.preventDefault();
    const name = nickname.trim();
    if (name) client.login(name);
  };
  return (
    <main className="login">
      <form className="login-card" onSubmit={submit}>
        <svg className="logo" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" fill="currentColor" />
        </svg>
        <h1>SocketIoChat</h1>
        <p>Pick a nickname to start chatting.</p>
        <input
          data-testid="nickname-input"
          aria-label="Nickname"
          placeholder="Nickname"
          autoComplete="nickname"
          autoFocus
          maxLength={24}
          value={nickname}
          onChange={(e) => setNickname(e.target.value)}
        />
        <button data-testid="nickname-submit" type="submit" disabled={connecting || !nickname.trim()}>
          {connecting ? "Joining…" : "Join"}
        </button>
      </form>
    </main>
  );
}

function Chat({ state }) {
  const [panel, setPanel] = useState("rooms"); // on a phone: which drawer is open (rooms | people | null)
  const active = state.active ? state.convs[state.active] : null;
  const me = state.me.nickname;

  const open = (action) => {
    action();
    setPanel(null);
  };

  return (
    <div className={"chat" + (panel ? " panel-" + panel : "")}>
      <header className="topbar">
        <button className="icon-button" aria-label="Rooms" onClick={() => setPanel(panel === "rooms" ? null : "rooms")}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
        </button>
        <div className="title">
          <span className="title-name">{active ? (active.kind === "room" ? "# " + active.title : "@ " + active.title) : "SocketIoChat"}</span>
          <span className={"status status-" + state.status}>
            {statusText(state.status)}
            {active?.kind === "dm" && state.status === "online" && (
              <span className="seen">
                {" · " + active.title + (active.online ? " is online" : active.lastSeen ? " was last seen " + formatSeen(active.lastSeen) : " has not been seen")}
              </span>
            )}
          </span>
        </div>
        {active?.kind === "room" && (
          <button className="ghost" data-testid="room-leave" onClick={() => client.leaveRoom(active.title)}>
            Leave
          </button>
        )}
        <button className="icon-button" aria-label="People" onClick={() => setPanel(panel === "people" ? null : "people")}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="9" cy="8" r="3.5" fill="currentColor" />
            <path d="M2 20c0-3.9 3.1-6.5 7-6.5s7 2.6 7 6.5z" fill="currentColor" />
            <circle cx="17" cy="9" r="2.8" fill="currentColor" opacity="0.6" />
            <path d="M15.5 14c3.6-.6 6.5 1.6 6.5 5.5h-4.5c0-2.2-.7-4-2-5.5z" fill="currentColor" opacity="0.6" />
          </svg>
        </button>
      </header>
      <RoomList state={state} onOpen={open} />
      <section className="conversation">
        {active ? (
          <>
            <MessageList conv={active} convKey={state.active} me={me} />
            <TypingIndicator typing={state.typing[state.active]} />
            <Composer convKey={state.active} title={active.title} kind={active.kind} />
          </>
        ) : (
          <div className="empty">Pick a room on the left, or create one.</div>
        )}
      </section>
      <UserList conv={active} me={me} onOpen={open} />
      <div className="scrim" onClick={() => setPanel(null)} />
    </div>
  );
}

function statusText(status) {
  return status === "online" ? "connected" : status === "offline" ? "reconnecting…" : "connecting…";
}

function RoomList({ state, onOpen }) {
  const [name, setName] = useState("");
  const joined = new Set(state.joined.map((r) => r.toLowerCase()));
  const create = async (e) => {
    e.preventDefault();
    if (name.trim() && (await client.createRoom(name.trim()))) {
      setName("");
      onOpen(() => {});
    }
  };
  return (
    <nav className="sidebar rooms" data-testid="room-list" aria-label="Rooms">
      <div className="me">
        <span className="avatar" style={avatarStyle(state.me.nickname)}>{initial(state.me.nickname)}</span>
        <span className="me-name">{state.me.nickname}</span>
        <button className="ghost small" onClick={() => client.logout()}>
          Log out
        </button>
      </div>
      <h2>Rooms</h2>
      <ul>
        {state.rooms.map((room) => {
          const key = roomKey(room);
          return (
            <RoomItem
              key={key}
              label={"# " + room}
              active={state.active === key}
              joined={joined.has(room.toLowerCase())}
              unread={state.unread[key]}
              onClick={() => onOpen(() => (joined.has(room.toLowerCase()) ? store.dispatch({ type: "activate", key }) : client.joinRoom(room)))}
            />
          );
        })}
      </ul>
      <form className="new-room" onSubmit={create}>
        <input data-testid="new-room-input" aria-label="New room name" placeholder="New room" maxLength={32} value={name} onChange={(e) => setName(e.target.value)} />
        <button data-testid="new-room-submit" type="submit" disabled={!name.trim()}>
          Create
        </button>
      </form>
      {state.dms.length > 0 && (
        <>
          <h2>Direct messages</h2>
          <ul>
            {state.dms.map((nickname) => {
              const key = dmKey(nickname);
              return (
                <RoomItem
                  key={key}
                  label={"@ " + nickname}
                  dm
                  joined
                  active={state.active === key}
                  unread={state.unread[key]}
                  onClick={() => onOpen(() => client.openDirect(nickname))}
                />
              );
            })}
          </ul>
        </>
      )}
    </nav>
  );
}

function RoomItem({ label, active, joined, unread, dm, onClick }) {
  return (
    <li>
      <button
        data-testid="room-item"
        data-kind={dm ? "dm" : "room"}
        className={"room-item" + (active ? " active" : "") + (joined ? " joined" : "")}
        aria-current={active ? "true" : undefined}
        onClick={onClick}
      >
        <span className="room-name">{label}</span>
        {unread > 0 && (
          <span className="badge" data-testid="unread-count" aria-label={unread + " unread"}>
            {unread}
          </span>
        )}
      </button>
    </li>
  );
}

function MessageList({ conv, convKey, me }) {
  const list = useRef(null);
  const stick = useRef(true); // follow new messages while the user is at the bottom
  const before = useRef(null); // scroll height before older messages were put on top

  const onScroll = () => {
    const el = list.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 60 && conv.hasMore && !conv.loadingOlder) {
      before.current = { height: el.scrollHeight, top: el.scrollTop };
      client.loadOlder(convKey);
    }
  };

  useLayoutEffect(() => {
    stick.current = true;
  }, [convKey]);

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (before.current && !conv.loadingOlder) {
      el.scrollTop = el.scrollHeight - before.current.height + before.current.top;
      before.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [conv.messages, conv.loadingOlder, convKey]);

  return (
    <ol className="messages" data-testid="message-list" ref={list} onScroll={onScroll} aria-live="polite">
      {conv.hasMore && <li className="older">{conv.loadingOlder ? "Loading older messages…" : "Scroll up for older messages"}</li>}
      {conv.messages.length === 0 && <li className="older">No messages yet. Say hello!</li>}
      {conv.messages.map((m, i) => {
        const mine = m.author.toLowerCase() === me.toLowerCase();
        const previous = conv.messages[i - 1];
        const grouped = previous && previous.author === m.author && m.sentAt - previous.sentAt < 5 * 60 * 1000;
        return (
          <li key={m.clientId ?? m.id} className={"message" + (mine ? " mine" : "") + (grouped ? " grouped" : "")} data-testid="message" data-id={m.id ?? undefined}>
            {!grouped && <span className="avatar" style={avatarStyle(m.author)} aria-hidden="true">{initial(m.author)}</span>}
            <div className="bubble">
              {!grouped && (
                <div className="meta">
                  <span className="author">{m.author}</span>
                  <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
                </div>
              )}
              {/* Text as a text node: React escapes it, so "<script>" shows as typed. */}
              <div className="text">{m.text}</div>
              {mine && (
                <span className="message-status" data-testid="message-status" data-status={m.id == null ? "pending" : "delivered"} title={m.id == null ? "Sending…" : "Delivered"}>
                  {m.id == null ? "◷" : "✓"}
                </span>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function TypingIndicator({ typing }) {
  const names = Object.keys(typing ?? {});
  const text =
    names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : "Several people are typing…";
  useEffect(() => {
    if (names.length === 0) return undefined;
    const timer = setInterval(() => store.dispatch({ type: "typing-expire" }), 1000);
    return () => clearInterval(timer);
  }, [names.length]);
  return (
    <div className="typing" data-testid="typing-indicator" aria-live="polite">
      {text}
    </div>
  );
}

function Composer({ convKey, title, kind }) {
  const [text, setText] = useState("");
  const typingSince = useRef(0);
  const idle = useRef(null);
  const input = useRef(null);

  useEffect(() => {
    setText("");
    input.current?.focus();
  }, [convKey]);

  const stopTyping = () => {
    clearTimeout(idle.current);
    if (typingSince.current) client.typing(convKey, false);
    typingSince.current = 0;
  };

  const change = (e) => {
    setText(e.target.value);
    const now = Date.now();
    // Tell the others at most every 2 s; stop after 3 s without a key.
    if (now - typingSince.current > 2000) {
      client.typing(convKey, true);
      typingSince.current = now;
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, 3000);
  };

  const send = (e) => {
    e?.preventDefault();
    if (!text.trim()) return;
    client.send(convKey, text);
    setText("");
    stopTyping();
    input.current?.focus();
  };

  const length = useMemo(() => [...text].length, [text]);
  return (
    <form className="composer" onSubmit={send}>
      <textarea
        ref={input}
        data-testid="message-input"
        aria-label={"Message " + (kind === "room" ? "#" : "@") + title}
        placeholder={"Message " + (kind === "room" ? "#" : "@") + title}
        rows={1}
        value={text}
        onChange={change}
        onBlur={stopTyping}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) send(e);
        }}
      />
      {length > MAX_LENGTH * 0.9 && <span className={"counter" + (length > MAX_LENGTH ? " over" : "")}>{length}/{MAX_LENGTH}</span>}
      <button data-testid="message-send" type="submit" disabled={!text.trim()}>
        Send
      </button>
    </form>
  );
}

function UserList({ conv, me, onOpen }) {
  const users = conv ? (conv.kind === "room" ? conv.users : [me, conv.title]) : [];
  return (
    <aside className="sidebar people" aria-label="People">
      <h2>{conv?.kind === "dm" ? "Conversation" : "Online"} · {users.length}</h2>
      <ul data-testid="user-list">
        {users.map((nickname) => {
          const self = nickname.toLowerCase() === me.toLowerCase();
          return (
            <li key={nickname}>
              <button
                data-testid="user-item"
                className="user-item"
                disabled={self}
                title={self ? "You" : "Message " + nickname}
                onClick={() => onOpen(() => client.openDirect(nickname))}
              >
                <span className="avatar small" style={avatarStyle(nickname)} aria-hidden="true">{initial(nickname)}</span>
                <span>{nickname}</span>
                {self && <span className="you">you</span>}
              </button>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}

function initial(name) {
  return [...name][0]?.toUpperCase() ?? "?";
}

function avatarStyle(name) {
  let hash = 0;
  for (const ch of name.toLowerCase()) hash = (hash * 31 + ch.codePointAt(0)) % 360;
  return { background: `hsl(${hash}, 55%, 48%)` };
}

function formatSeen(ms) {
  const when = new Date(ms);
  return when.toDateString() === new Date().toDateString() ? "at " + formatTime(ms) : "on " + when.toLocaleDateString();
}

function formatTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
