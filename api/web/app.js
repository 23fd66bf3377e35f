// RenOS Assistant web chat. Plain script, no dependencies; only the public /v1 API is used.
// Text from the server is always set with textContent, never parsed as HTML.
"use strict";

(() => {
  const STRINGS = {
    da: {
      "app.subtitle": "Assistent",
      "app.title": "RenOS Assistent",
      "lang.other": "English",
      "auth.title": "Log ind",
      "auth.help": "Brug et API-token fra „renos tokens create“. Det gemmes kun i denne fane.",
      "auth.tokenLabel": "API-token",
      "auth.signIn": "Log ind",
      "auth.signOut": "Log ud",
      "auth.missing": "Indtast et token.",
      "auth.invalid": "Tokenet blev afvist (ukendt, tilbagekaldt eller udløbet).",
      "auth.expired": "Du er blevet logget ud: tokenet blev afvist.",
      "sessions.title": "Samtaler",
      "sessions.new": "Ny samtale",
      "sessions.empty": "Ingen samtaler endnu.",
      "sessions.untitled": "Uden titel",
      "chat.noSession": "Ingen samtale valgt",
      "chat.empty": "Skriv en besked for at starte.",
      "chat.messageLabel": "Besked",
      "chat.placeholder": "Skriv til assistenten …",
      "chat.send": "Send",
      "chat.you": "Dig",
      "chat.assistant": "Assistent",
      "chat.loading": "Henter samtalen …",
      "tool.args": "Argumenter",
      "tool.result": "Resultat",
      "status.running": "kører …",
      "status.succeeded": "udført",
      "status.failed": "fejlet",
      "status.denied": "afvist",
      "status.awaiting_approval": "afventer godkendelse",
      "status.finished": "færdig",
      "approval.title": "Godkendelse påkrævet",
      "approval.text": "Assistenten vil udføre denne handling. Godkend eller afvis den.",
      "approval.approve": "Godkend",
      "approval.reject": "Afvis",
      "approval.reason": "Begrundelse ved afvisning (valgfri)",
      "approval.approved": "Godkendt",
      "approval.rejected": "Afvist",
      "error.prefix": "Fejl",
      "error.network": "Kunne ikke nå tjenesten. Tjek forbindelsen og prøv igen.",
      "error.streamEnded": "Forbindelsen blev afbrudt, før svaret var færdigt.",
      "error.turn_in_progress": "Assistenten arbejder allerede i denne samtale. Vent til den er færdig.",
      "error.approval_pending": "En handling venter på godkendelse. Godkend eller afvis den først.",
      "error.nothing_pending": "Der er ingen handling, der venter på godkendelse.",
      "error.not_found": "Ikke fundet.",
      "error.forbidden": "Din rolle må ikke gøre dette.",
      "error.interrupted": "Tjenesten stoppede, før svaret var færdigt.",
      "error.internal": "Der skete en intern fejl.",
      "error.failed": "Svaret mislykkedes.",
    },
    en: {
      "app.subtitle": "Assistant",
      "app.title": "RenOS Assistant",
      "lang.other": "Dansk",
      "auth.title": "Sign in",
      "auth.help": "Use an API token from “renos tokens create”. It is kept in this tab only.",
      "auth.tokenLabel": "API token",
      "auth.signIn": "Sign in",
      "auth.signOut": "Sign out",
      "auth.missing": "Enter a token.",
      "auth.invalid": "The token was refused (unknown, revoked or expired).",
      "auth.expired": "You have been signed out: the token was refused.",
      "sessions.title": "Sessions",
      "sessions.new": "New session",
      "sessions.empty": "No sessions yet.",
      "sessions.untitled": "Untitled",
      "chat.noSession": "No session selected",
      "chat.empty": "Write a message to start.",
      "chat.messageLabel": "Message",
      "chat.placeholder": "Write to the assistant …",
      "chat.send": "Send",
      "chat.you": "You",
      "chat.assistant": "Assistant",
      "chat.loading": "Loading the session …",
      "tool.args": "Arguments",
      "tool.result": "Result",
      "status.running": "running …",
      "status.succeeded": "succeeded",
      "status.failed": "failed",
      "status.denied": "denied",
      "status.awaiting_approval": "awaiting approval",
      "status.finished": "finished",
      "approval.title": "Approval required",
      "approval.text": "The assistant wants to perform this action. Approve or reject it.",
      "approval.approve": "Approve",
      "approval.reject": "Reject",
      "approval.reason": "Reason when rejecting (optional)",
      "approval.approved": "Approved",
      "approval.rejected": "Rejected",
      "error.prefix": "Error",
      "error.network": "Could not reach the service. Check the connection and try again.",
      "error.streamEnded": "The connection dropped before the answer was complete.",
      "error.turn_in_progress": "The assistant is already working in this session. Wait for it to finish.",
      "error.approval_pending": "An action is waiting for approval. Approve or reject it first.",
      "error.nothing_pending": "No action is waiting for approval.",
      "error.not_found": "Not found.",
      "error.forbidden": "Your role may not do this.",
      "error.interrupted": "The service stopped before the answer was complete.",
      "error.internal": "An internal error occurred.",
      "error.failed": "The answer failed.",
    },
  };

  const TOKEN_KEY = "renos.token";
  const LANG_KEY = "renos.lang";
  const RESUME_ATTEMPTS = 3;
  const MAX_TURN_SCAN = 200;

  const state = {
    token: null,
    lang: "da",
    sessions: [],
    current: null, // the open session (SessionOut)
    busy: false,
    abort: null, // AbortController of the stream being read
    loadSeq: 0, // guards against late answers for a session no longer open
    cards: new Map(), // tool_call_id -> tool card element
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- language

  function t(key) {
    const table = STRINGS[state.lang] || STRINGS.da;
    return table[key] ?? STRINGS.da[key] ?? key;
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.title = t("app.title");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      el.textContent = t(el.dataset.i18n);
    }
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    for (const el of document.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    }
    const toggle = $("lang-toggle");
    toggle.textContent = t("lang.other");
    toggle.lang = state.lang === "da" ? "en" : "da";
    if (!state.current) $("chat-title").textContent = t("chat.noSession");
    renderSessions();
  }

  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "class") node.className = value;
      else if (name === "i18n") node.dataset.i18n = value;
      else node.setAttribute(name, value);
    }
    if (attrs.i18n) node.textContent = t(attrs.i18n);
    else if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---------------------------------------------------------------- errors

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function apiError(resp) {
    let code = "http_" + resp.status;
    let message = resp.statusText || String(resp.status);
    try {
      const body = await resp.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch {
      // not JSON: keep the status line
    }
    return new ApiError(resp.status, code, message);
  }

  function describe(err) {
    if (err instanceof ApiError) {
      const known = STRINGS.da["error." + err.code] ? t("error." + err.code) : "";
      return known ? `${known} (${err.message})` : `${err.message} (${err.code})`;
    }
    return t("error.network");
  }

  function showNotice(message) {
    const box = $("notice");
    box.textContent = message;
    box.hidden = !message;
  }

  function handleFailure(err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut(t("auth.expired"));
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- API

  function authHeaders(extra = {}) {
    return { Authorization: `Bearer ${state.token}`, ...extra };
  }

  async function api(method, path, body) {
    const headers = authHeaders({ Accept: "application/json" });
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch {
      throw new Error("network");
    }
    if (!resp.ok) throw await apiError(resp);
    return resp.status === 204 ? null : resp.json();
  }

  const sessionUrl = (id) => `/v1/sessions/${encodeURIComponent(id)}`;

  // ---------------------------------------------------------------- SSE

  // Reads a text/event-stream body and calls onEvent({id, event, data}) per event.
  async function readSse(resp, onEvent) {
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let fields = { id: null, event: "", data: [] };

    const dispatch = () => {
      if (fields.event || fields.data.length) {
        let data = {};
        try {
          data = JSON.parse(fields.data.join("\n") || "{}");
        } catch {
          data = { text: fields.data.join("\n") };
        }
        onEvent({ id: fields.id, event: fields.event || "message", data });
      }
      fields = { id: null, event: "", data: [] };
    };

    const line = (text) => {
      if (text === "") return dispatch();
      if (text.startsWith(":")) return undefined; // keep-alive comment
      const colon = text.indexOf(":");
      const name = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (name === "event") fields.event = value;
      else if (name === "data") fields.data.push(value);
      else if (name === "id") fields.id = value;
      return undefined;
    };

    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        // A lone "\r" at the end may be the first half of "\r\n": wait for more.
        if (!match || (!done && match[0] === "\r" && match.index === buffer.length - 1)) break;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
      if (done) {
        if (buffer) line(buffer);
        dispatch();
        return;
      }
    }
  }

  // ---------------------------------------------------------------- rendering

  const log = () => $("log");

  function scrollDown() {
    const box = log();
    box.scrollTop = box.scrollHeight;
  }

  function clearLog() {
    const box = log();
    box.replaceChildren($("log-empty") || el("p", { id: "log-empty", class: "muted log-empty", i18n: "chat.empty" }));
    $("log-empty").hidden = false;
    state.cards.clear();
  }

  function append(node) {
    $("log-empty").hidden = true;
    log().append(node);
    scrollDown();
    return node;
  }

  function bubble(role, text) {
    const node = el("div", { class: `msg ${role}` });
    node.append(el("span", { class: "who", i18n: role === "user" ? "chat.you" : "chat.assistant" }));
    const body = el("span", { class: "text" }, text);
    node.append(body);
    append(node);
    return body;
  }

  function formatValue(value, limit) {
    let text = typeof value === "string" ? value : JSON.stringify(value);
    if (text === undefined) text = String(value);
    return limit && text.length > limit ? text.slice(0, limit) + " …" : text;
  }

  function argList(args, limit) {
    const list = el("dl", { class: "args" });
    for (const [key, value] of Object.entries(args || {})) {
      if (value === null || value === "") continue;
      list.append(el("dt", {}, key), el("dd", {}, formatValue(value, limit)));
    }
    return list;
  }

  function setStatus(card, status) {
    card.dataset.status = status;
    const badge = card.querySelector(".badge");
    badge.className = `badge ${status}`;
    badge.dataset.i18n = `status.${status}`;
    badge.textContent = t(`status.${status}`);
  }

  function toolCard(id, name, args, status) {
    let card = state.cards.get(id);
    if (card) return card;
    card = el("section", { class: "tool-card", "data-call-id": id, "data-tool": name });
    const head = el("div", { class: "tool-head" });
    head.append(el("span", { class: "tool-name" }, name), el("span", { class: "badge", role: "status" }));
    card.append(head);
    card.setAttribute("aria-label", name);
    if (args && Object.keys(args).length) card.append(argList(args, 160));
    setStatus(card, status);
    state.cards.set(id, card);
    append(card);
    return card;
  }

  function showResult(card, result) {
    card.querySelector("details.result")?.remove();
    if (result === undefined || result === null) return;
    const details = el("details", { class: "result" });
    details.append(el("summary", { i18n: "tool.result" }));
    details.append(el("pre", {}, typeof result === "string" ? result : JSON.stringify(result, null, 2)));
    card.append(details);
  }

  function turnError(code, message) {
    const known = STRINGS.da["error." + code] ? t("error." + code) : "";
    const text = `${t("error.prefix")}: ${known || message}${known && message ? ` (${message})` : ""}`;
    append(el("div", { class: "turn-error", role: "alert", "data-code": code }, text));
  }

  function approvalBox(sessionId, data) {
    const box = el("section", { class: "approval", "data-call-id": data.tool_call_id, "data-tool": data.tool });
    const heading = el("h3");
    heading.append(el("span", { i18n: "approval.title" }), document.createTextNode(": "), el("code", {}, data.tool));
    box.append(heading, el("p", { class: "muted", i18n: "approval.text" }), argList(data.args));
    const actions = el("div", { class: "actions" });
    const reasonLabel = el("label", { class: "reason" });
    const reasonInput = el("input", { type: "text", maxlength: "1000" });
    reasonLabel.append(el("span", { i18n: "approval.reason" }), reasonInput);
    const approve = el("button", { type: "button", class: "primary approve", i18n: "approval.approve" });
    const reject = el("button", { type: "button", class: "danger reject", i18n: "approval.reject" });
    actions.append(reasonLabel, approve, reject);
    box.append(actions);

    const decide = async (decision) => {
      if (state.busy) return;
      approve.disabled = reject.disabled = reasonInput.disabled = true;
      const started = await streamTurn(
        `${sessionUrl(sessionId)}/approvals/${encodeURIComponent(data.tool_call_id)}`,
        { decision, reason: decision === "reject" ? reasonInput.value.trim() : "" },
      );
      if (started) {
        actions.remove();
        box.dataset.decision = decision;
        box.append(el("p", { class: "decided", i18n: decision === "approve" ? "approval.approved" : "approval.rejected" }));
      } else {
        approve.disabled = reject.disabled = reasonInput.disabled = false;
      }
    };
    approve.addEventListener("click", () => decide("approve"));
    reject.addEventListener("click", () => decide("reject"));
    append(box);
    return box;
  }

  // One turn's events, in the order they arrive.
  class TurnView {
    constructor(sessionId) {
      this.sessionId = sessionId;
      this.text = null; // the assistant bubble receiving tokens
      this.failed = false;
    }

    handle(ev) {
      const d = ev.data || {};
      switch (ev.event) {
        case "token":
          if (!this.text) {
            this.text = bubble("assistant", "");
            this.text.parentElement.classList.add("streaming");
          }
          this.text.textContent += d.text || "";
          scrollDown();
          break;
        case "tool_started":
          this.closeText();
          toolCard(d.tool_call_id, d.name, d.args, "running");
          break;
        case "tool_finished": {
          this.closeText();
          const card = toolCard(d.tool_call_id, d.name, null, d.status);
          setStatus(card, d.status || "finished");
          showResult(card, d.result);
          break;
        }
        case "approval_required": {
          this.closeText();
          const card = toolCard(d.tool_call_id, d.tool, d.args, "awaiting_approval");
          setStatus(card, "awaiting_approval");
          approvalBox(this.sessionId, d);
          break;
        }
        case "message":
          if (this.text) this.text.textContent = d.text || "";
          else if (d.text) this.text = bubble("assistant", d.text);
          this.closeText();
          break;
        case "error":
          this.closeText();
          this.failed = true;
          turnError(d.code || "internal", d.message || "");
          break;
        case "done":
          this.closeText();
          if (d.status === "failed" && !this.failed) turnError("failed", "");
          break;
        default:
          break; // run_started and anything newer: nothing to show
      }
    }

    closeText() {
      if (this.text) this.text.parentElement.classList.remove("streaming");
      this.text = null;
    }
  }

  // ---------------------------------------------------------------- turns

  function setBusy(busy) {
    state.busy = busy;
    $("send-button").disabled = busy;
    log().dataset.state = busy ? "streaming" : "idle";
    log().setAttribute("aria-busy", busy ? "true" : "false");
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // POSTs `body` to `url` and renders the streamed turn; reconnects with Last-Event-ID if the
  // stream drops before its done event. Returns whether the server accepted the request.
  async function streamTurn(url, body) {
    const session = state.current;
    if (!session) return false;
    const controller = new AbortController();
    state.abort = controller;
    setBusy(true);
    const view = new TurnView(session.id);
    let lastId = null;
    let finished = false;
    let accepted = false;
    const onEvent = (ev) => {
      if (ev.id) lastId = ev.id;
      if (ev.event === "done") finished = true;
      view.handle(ev);
    };
    try {
      let resp = await fetch(url, {
        method: "POST",
        headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (!resp.ok) throw await apiError(resp);
      accepted = true;
      for (let attempt = 0; ; attempt += 1) {
        try {
          await readSse(resp, onEvent);
        } catch (err) {
          if (controller.signal.aborted) throw err;
        }
        if (finished || lastId === null || attempt >= RESUME_ATTEMPTS) break;
        await sleep(400 * (attempt + 1));
        resp = await fetch(`${sessionUrl(session.id)}/events`, {
          headers: authHeaders({ Accept: "text/event-stream", "Last-Event-ID": lastId }),
          signal: controller.signal,
        });
        if (!resp.ok) throw await apiError(resp);
      }
      if (!finished) turnError("stream", t("error.streamEnded"));
    } catch (err) {
      if (!controller.signal.aborted && !handleFailure(err)) {
        if (err instanceof ApiError) turnError(err.code, err.message);
        else turnError("network", t("error.network"));
      }
    } finally {
      view.closeText();
      if (state.abort === controller) {
        state.abort = null;
        setBusy(false);
      }
    }
    if (accepted && state.token) refreshSessions(false);
    return accepted;
  }

  async function sendMessage(text) {
    showNotice("");
    try {
      if (!state.current) {
        const created = await api("POST", "/v1/sessions", { title: text.slice(0, 60) });
        state.sessions.unshift(created);
        await openSession(created, false);
      } else if (!state.current.title) {
        const renamed = await api("PATCH", sessionUrl(state.current.id), { title: text.slice(0, 60) });
        state.current.title = renamed.title;
        $("chat-title").textContent = renamed.title;
        renderSessions();
      }
    } catch (err) {
      // A failed rename is not worth stopping for; a failed create is.
      if (!handleFailure(err) && !state.current) showNotice(describe(err));
    }
    if (!state.current || !state.token) return false;
    bubble("user", text);
    return streamTurn(`${sessionUrl(state.current.id)}/messages`, { text });
  }

  // ---------------------------------------------------------------- sessions

  function formatDate(iso) {
    try {
      return new Intl.DateTimeFormat(state.lang === "da" ? "da-DK" : "en-GB", {
        dateStyle: "medium",
        timeStyle: "short",
      }).format(new Date(iso));
    } catch {
      return iso;
    }
  }

  function renderSessions() {
    const list = $("session-list");
    if (!list) return;
    list.replaceChildren();
    for (const s of state.sessions) {
      const item = el("li");
      const button = el("button", { type: "button", "data-session-id": s.id });
      if (state.current && state.current.id === s.id) button.setAttribute("aria-current", "true");
      button.append(
        el("span", { class: "session-title" }, s.title || t("sessions.untitled")),
        el("span", { class: "session-date" }, formatDate(s.updated_at)),
      );
      button.addEventListener("click", () => openSession(s, true));
      item.append(button);
      list.append(item);
    }
    $("sessions-empty").hidden = state.sessions.length > 0;
  }

  async function refreshSessions(reportErrors = true) {
    try {
      const page = await api("GET", "/v1/sessions?limit=50");
      state.sessions = page.items;
      renderSessions();
      return true;
    } catch (err) {
      if (!handleFailure(err) && reportErrors) showNotice(describe(err));
      return false;
    }
  }

  async function openSession(session, load) {
    if (state.abort) state.abort.abort(); // the turn goes on server-side; stop reading it
    state.abort = null;
    setBusy(false);
    showNotice("");
    state.current = session;
    const seq = ++state.loadSeq;
    $("chat-title").textContent = session.title || t("sessions.untitled");
    renderSessions();
    clearLog();
    if (!load) return;
    $("log-empty").textContent = t("chat.loading");
    try {
      const { items } = await api("GET", `${sessionUrl(session.id)}/messages`);
      if (seq !== state.loadSeq) return;
      $("log-empty").textContent = t("chat.empty");
      renderTranscript(items);
      await showPendingApproval(session.id, seq);
    } catch (err) {
      if (seq === state.loadSeq && !handleFailure(err)) showNotice(describe(err));
    }
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  function renderTranscript(items) {
    for (const m of items) {
      if (m.role === "user") bubble("user", m.content);
      else if (m.role === "assistant") {
        if (m.content) bubble("assistant", m.content);
        for (const call of m.tool_calls || []) {
          toolCard(call.id, call.name, call.args, "finished");
        }
      } else if (m.role === "tool" && m.tool_call_id) {
        const card = state.cards.get(m.tool_call_id);
        if (card) showResult(card, parseJson(m.content));
      }
    }
  }

  // A turn paused for approval is not in the transcript yet: read the event log turn by turn
  // and, if the last turn awaits a decision, show its approval prompt again.
  async function showPendingApproval(sessionId, seq) {
    let after = 0;
    let last = [];
    for (let i = 0; i < MAX_TURN_SCAN; i += 1) {
      const resp = await fetch(`${sessionUrl(sessionId)}/events?after=${after}`, {
        headers: authHeaders({ Accept: "text/event-stream" }),
      });
      if (!resp.ok) throw await apiError(resp);
      const batch = [];
      await readSse(resp, (ev) => batch.push(ev));
      if (!batch.length) break;
      last = batch;
      after = Number(batch[batch.length - 1].id);
    }
    if (seq !== state.loadSeq) return;
    const done = last[last.length - 1];
    if (!done || done.event !== "done" || done.data.status !== "awaiting_approval") return;
    const view = new TurnView(sessionId);
    for (const ev of last) {
      if (["tool_started", "tool_finished", "approval_required"].includes(ev.event)) view.handle(ev);
    }
  }

  // ---------------------------------------------------------------- sign in / out

  function showApp(signedIn) {
    $("signin-view").hidden = signedIn;
    $("app-view").hidden = !signedIn;
    $("sign-out").hidden = !signedIn;
  }

  async function signIn(token) {
    state.token = token;
    const page = await api("GET", "/v1/sessions?limit=50");
    sessionStorage.setItem(TOKEN_KEY, token);
    state.sessions = page.items;
    state.current = null;
    showApp(true);
    clearLog();
    applyLanguage();
    $("message-input").focus();
  }

  function signOut(message) {
    if (state.abort) state.abort.abort();
    state.abort = null;
    setBusy(false);
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.sessions = [];
    state.current = null;
    state.loadSeq += 1;
    clearLog();
    renderSessions();
    showNotice("");
    $("chat-title").textContent = t("chat.noSession");
    $("token-input").value = "";
    const error = $("signin-error");
    error.textContent = message || "";
    error.hidden = !message;
    showApp(false);
    $("token-input").focus();
  }

  // ---------------------------------------------------------------- wiring

  function init() {
    const saved = localStorage.getItem(LANG_KEY);
    state.lang = saved === "en" ? "en" : "da";
    applyLanguage();

    $("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "da" ? "en" : "da";
      localStorage.setItem(LANG_KEY, state.lang);
      applyLanguage();
    });

    $("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      const error = $("signin-error");
      error.hidden = true;
      if (!token) {
        error.textContent = t("auth.missing");
        error.hidden = false;
        return;
      }
      const button = $("signin-button");
      button.disabled = true;
      try {
        await signIn(token);
      } catch (err) {
        state.token = null;
        error.textContent = err instanceof ApiError && err.status === 401 ? t("auth.invalid") : describe(err);
        error.hidden = false;
      } finally {
        button.disabled = false;
      }
    });

    $("sign-out").addEventListener("click", () => signOut(""));

    $("new-session").addEventListener("click", async () => {
      showNotice("");
      try {
        const created = await api("POST", "/v1/sessions", {});
        state.sessions.unshift(created);
        await openSession(created, false);
        $("message-input").focus();
      } catch (err) {
        if (!handleFailure(err)) showNotice(describe(err));
      }
    });

    const input = $("message-input");
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || state.busy) return;
      input.value = "";
      if (!(await sendMessage(text)) && !input.value && state.token) input.value = text;
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });

    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      signIn(token).catch((err) => signOut(err instanceof ApiError && err.status === 401 ? t("auth.expired") : describe(err)));
    } else {
      showApp(false);
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
