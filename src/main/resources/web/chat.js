// a-chat web client: the chat's line protocol over a WebSocket at /ws.
// First frame: the login name. Then one frame per line, "bob, carol: text".
// The server answers with "from alice: text" and "error: ..." frames, and tells the names on the
// watch list ("/watch bob, carol") as "online: bob" and "offline: bob".
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const loginForm = $('login-form');
  const loginInput = $('login');
  const passwordInput = $('password');
  const joinButton = $('join');
  const loginError = $('login-error');
  const chatForm = $('chat-form');
  const toInput = $('to');
  const textInput = $('text');
  const leaveButton = $('leave');
  const chatHint = $('chat-hint');
  const log = $('log');
  const statusLine = $('status');
  const people = $('people');
  const watchForm = $('watch-form');
  const watchInput = $('watch');
  const watchedList = $('watched');

  const HINT = chatHint.textContent;
  // The server's maxLineLength, which it writes into the page it serves.
  const MAX_LINE_BYTES = Number(document.documentElement.dataset.maxLineLength) || 8192;
  const TAKEN = /^error: login '.*' is taken$/;
  const utf8 = new TextEncoder();

  let name = null;     // login name while joined or joining; null after leaving
  let password = '';   // a registered name's password, kept for reconnecting; sent after the name
  let conn = null;     // the current connection: { ws, relogin, opened, confirmed, sent, lastError }
  let attempt = 0;     // reconnect attempts since the last accepted login
  let retryTimer = 0;
  let confirmTimer = 0;
  // The watch list, kept across reconnects: name -> its <button>, whose class says online or not.
  const watched = new Map();

  const wsUrl = () =>
    (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';

  // A frame must never hold a line break: it would be two lines to the server.
  const oneLine = (s) => s.replace(/[\r\n]+/g, ' ');

  // Appends one <li> built from strings and nodes (never HTML); keeps the
  // newest line in view only if the log was already scrolled to the bottom.
  function addLine(cls, ...parts) {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
    const li = document.createElement('li');
    li.className = cls;
    li.append(...parts);
    log.append(li);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function span(cls, text) {
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  // "from alice: hi" -> "from " + <span>alice</span> + ": hi"; the li's
  // textContent stays exactly the server's line.
  function addServerLine(line) {
    const colon = line.indexOf(':', 5);
    if (line.startsWith('error:')) {
      addLine('error', line);
    } else if (line.startsWith('from ') && colon > 5) {
      addLine('from', span('prefix', 'from '), span('sender', line.slice(5, colon)), line.slice(colon));
    } else {
      addLine('other', line);
    }
  }

  // "online: a, b" or "offline: a": lights up or greys the names on the watch list.
  function presenceLine(line) {
    const online = line.startsWith('online: ');
    const names = line.slice(online ? 8 : 9);
    for (const n of names ? names.split(', ') : []) {
      const button = watched.get(n);
      if (button) {
        button.classList.toggle('online', online);
        button.title = n + (online ? ' is online' : ' is offline');
      }
    }
  }

  function sendCommand(line) {
    if (conn && conn.ws.readyState === WebSocket.OPEN) conn.ws.send(line);
  }

  function watch(names) {
    const added = names.filter((n) => !watched.has(n));
    for (const n of added) {
      const li = document.createElement('li');
      const person = document.createElement('button');
      person.type = 'button';
      person.className = 'person';
      person.textContent = n;
      person.title = n + ' is offline';
      person.addEventListener('click', () => {
        toInput.value = n;
        textInput.focus();
      });
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'unwatch';
      remove.textContent = '×';
      remove.setAttribute('aria-label', 'Stop watching ' + n);
      remove.addEventListener('click', () => {
        watched.delete(n);
        li.remove();
        sendCommand('/unwatch ' + n);
        watchInput.focus();
      });
      li.append(person, remove);
      watchedList.append(li);
      watched.set(n, person);
    }
    if (added.length) sendCommand('/watch ' + added.join(', '));
  }

  function setStatus(text) { statusLine.textContent = text; }

  function hint(text) {
    const t = text || HINT;
    if (chatHint.textContent !== t) chatHint.textContent = t;  // re-setting would re-announce
    chatHint.classList.toggle('warn', Boolean(text));
  }

  function showChat() {
    loginForm.hidden = true;
    chatForm.hidden = false;
    people.hidden = false;
    joinButton.disabled = false;
    hint('');
    (toInput.value.trim() ? textInput : toInput).focus();
  }

  function showLogin(error) {
    name = null;
    password = '';
    conn = null;
    clearTimeout(retryTimer);
    clearTimeout(confirmTimer);
    chatForm.hidden = true;
    people.hidden = true;
    for (const button of watched.values()) button.classList.remove('online');
    loginForm.hidden = false;
    joinButton.disabled = false;
    loginError.textContent = error || '';
    setStatus('not connected');
    loginInput.focus();
  }

  function connect(relogin) {
    const c = { relogin, opened: false, confirmed: false, sent: 0, lastError: null };
    try {
      c.ws = new WebSocket(wsUrl());
    } catch (e) {
      showLogin('cannot connect: ' + e.message);
      return;
    }
    conn = c;
    c.ws.onopen = () => {
      if (conn !== c) return;
      c.opened = true;
      c.ws.send(password ? name + ' ' + password : name);
      // The watch list outlives a connection: the server is told it again.
      if (watched.size) c.ws.send('/watch ' + [...watched.keys()].join(', '));
      if (!relogin) {
        // The server accepts a login silently: treat the open socket as joined.
        setStatus('connected as ' + name);
        showChat();
      }
      // A refused login is answered at once (a password takes the server up to a second or
      // two to check); that much quiet means accepted.
      confirmTimer = setTimeout(() => loginAccepted(c), password ? 2500 : 1000);
    };
    // A message from the server carries one or more lines, each ending in '\n'.
    c.ws.onmessage = (e) => {
      if (conn !== c || typeof e.data !== 'string') return;
      const lines = e.data.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (const line of lines) serverLine(c, line);
    };
    c.ws.onclose = () => { if (conn === c) closed(c); };
  }

  function serverLine(c, line) {
    if (line.startsWith('error:')) {
      c.lastError = line;
      // The old connection may still hold the name; the retry says so.
      if (c.relogin && c.sent === 0 && TAKEN.test(line)) return;
    } else {
      c.lastError = null;
      loginAccepted(c);
      if (line.startsWith('online: ') || line.startsWith('offline: ')) {
        presenceLine(line);
        return;
      }
    }
    addServerLine(line);
  }

  function loginAccepted(c) {
    if (conn !== c || c.confirmed || c.ws.readyState !== WebSocket.OPEN) return;
    c.confirmed = true;
    clearTimeout(confirmTimer);
    attempt = 0;
    setStatus('connected as ' + name);
    addLine('status', (c.relogin ? 'reconnected as ' : 'connected as ') + name);
  }

  // The socket closed without the user leaving: a refused login or a lost connection.
  function closed(c) {
    clearTimeout(confirmTimer);
    conn = null;
    for (const button of watched.values()) button.classList.remove('online');  // told again on the next login
    const err = c.lastError;
    // An error that closes the socket before any line was sent answers the login.
    const refused = err !== null && (c.sent === 0 || /^error: (login|server full)/.test(err));
    if (!c.relogin && !c.opened) {
      showLogin('cannot reach the server');
      return;
    }
    if (refused && !(c.relogin && TAKEN.test(err))) {
      if (c.relogin) addLine('status', 'could not log in again as ' + name);
      showLogin(err);
      return;
    }
    const delay = Math.min(1000 * 2 ** attempt, 10000);
    attempt++;
    const why = refused ? `the server still holds '${name}'` :
      c.opened ? 'connection lost' : 'no answer from the server';
    setStatus('reconnecting…');
    addLine('status', `${why}, reconnecting in ${delay / 1000} s…`);
    retryTimer = setTimeout(() => connect(true), delay);
  }

  loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = oneLine(loginInput.value).trim();
    if (!n) {
      loginError.textContent = 'Enter a name.';
      loginInput.focus();
      return;
    }
    name = n;
    password = passwordInput.value;
    passwordInput.value = '';
    attempt = 0;
    loginError.textContent = '';
    joinButton.disabled = true;
    setStatus('connecting…');
    connect(false);
  });

  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const to = oneLine(toInput.value).trim();
    const text = oneLine(textInput.value);
    if (!to) {
      hint('Enter at least one recipient, e.g. "bob, carol".');
      toInput.focus();
      return;
    }
    if (!text.trim()) {
      hint('Type a message.');
      textInput.focus();
      return;
    }
    if (!conn || conn.ws.readyState !== WebSocket.OPEN) {
      hint('Not connected yet; the message was not sent.');
      return;
    }
    const line = to + ': ' + text;
    if (utf8.encode(line).length > MAX_LINE_BYTES) {
      hint('Message too long: at most ' + MAX_LINE_BYTES + ' bytes.');
      return;
    }
    loginAccepted(conn);         // a refusal would have come already; keep the log in order
    conn.ws.send(line);
    conn.sent++;
    addLine('sent', 'to ' + line);
    hint('');
    textInput.value = '';
    textInput.focus();
  });

  watchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const names = oneLine(watchInput.value).split(',').map((n) => n.trim()).filter((n) => n);
    watchInput.value = '';
    watch([...new Set(names)]);
    watchInput.focus();
  });

  leaveButton.addEventListener('click', () => {
    const c = conn;
    showLogin('');               // clears name first: the close below does not reconnect
    if (c) c.ws.close(1000, 'leaving');
    addLine('status', 'left the chat');
  });
})();
