/* zapi-mock console. Plain JavaScript, no libraries. Everything shown comes from the JSON admin
 * API under /__admin/, the same calls CI jobs make. Every value is put into the page as text
 * (textContent / text nodes), never parsed as HTML: the journal holds whatever clients sent. */
"use strict";

(function () {
  const API = "/__admin/";
  const POLL_MS = 1000;
  const CHART_SECONDS = 300; /* the chart shows the last five minutes */
  const COLORS = ["#0b63b6", "#2e8540", "#c05600", "#6f42c1", "#008b8b", "#a0226e", "#5b6a7a"];

  const main = document.getElementById("main");
  const statusEl = document.getElementById("status");
  let timer = null; /* the current view's refresh */
  let view = ""; /* route of the view on screen */

  /* ---- DOM helpers: strings become text nodes, never markup ------------------------------ */

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = String(v);
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function message(kind, text) {
    return h("div", { class: "msg " + kind, role: kind === "error" ? "alert" : "status", text });
  }

  function when(iso) {
    if (!iso) return "never";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }

  /* ---- the admin API --------------------------------------------------------------------- */

  async function api(method, path, body) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    /* location.origin never holds user:password@, which fetch() would refuse. */
    const r = await fetch(location.origin + API + path, opts);
    const text = await r.text();
    let data = null;
    try {
      data = text && /json/.test(r.headers.get("Content-Type") || "") ? JSON.parse(text) : text;
    } catch (e) {
      data = text;
    }
    if (!r.ok) {
      const why = data && data.error ? data.error : "HTTP " + r.status;
      const err = new Error(why);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  /* ---- copying --------------------------------------------------------------------------- */

  async function copy(text, button) {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (e) {
      /* No clipboard API (plain HTTP on another name): select a temporary text area. */
      const ta = h("textarea", { class: "offscreen", readonly: true });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try {
        ok = document.execCommand("copy");
      } catch (e2) {
        ok = false;
      }
      ta.remove();
    }
    if (button) {
      const label = button.textContent;
      button.textContent = ok ? "Copied" : "Copy failed: select and copy by hand";
      button.dataset.copied = ok ? "yes" : "no";
      setTimeout(() => { button.textContent = label; }, 1500);
    }
  }

  /* ---- pretty printing ------------------------------------------------------------------- */

  function prettyJson(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      return text;
    }
  }

  function xmlEscape(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function prettyXmlNode(node, depth, out) {
    const pad = "  ".repeat(depth);
    if (node.nodeType === Node.TEXT_NODE) {
      const t = node.nodeValue.trim();
      if (t) out.push(pad + xmlEscape(t));
      return;
    }
    if (node.nodeType === Node.CDATA_SECTION_NODE) {
      out.push(pad + "<![CDATA[" + node.nodeValue + "]]>");
      return;
    }
    if (node.nodeType === Node.COMMENT_NODE) {
      out.push(pad + "<!--" + node.nodeValue + "-->");
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    let open = "<" + node.nodeName;
    for (const a of Array.from(node.attributes)) {
      open += " " + a.name + '="' + xmlEscape(a.value).replace(/"/g, "&quot;") + '"';
    }
    const kids = Array.from(node.childNodes).filter(
      (k) => !(k.nodeType === Node.TEXT_NODE && !k.nodeValue.trim()));
    if (kids.length === 0) {
      out.push(pad + open + "/>");
    } else if (kids.length === 1 && kids[0].nodeType !== Node.ELEMENT_NODE &&
               kids[0].nodeType !== Node.COMMENT_NODE) {
      const k = kids[0];
      const inner = k.nodeType === Node.CDATA_SECTION_NODE
        ? "<![CDATA[" + k.nodeValue + "]]>" : xmlEscape(k.nodeValue.trim());
      out.push(pad + open + ">" + inner + "</" + node.nodeName + ">");
    } else {
      out.push(pad + open + ">");
      for (const k of kids) prettyXmlNode(k, depth + 1, out);
      out.push(pad + "</" + node.nodeName + ">");
    }
  }

  /* Parsed with DOMParser into a document that is never shown: only the text we build from it
   * reaches the page, through textContent. */
  function prettyXml(text) {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) return text;
    const out = [];
    const decl = /^\s*<\?xml[^>]*\?>/.exec(text);
    if (decl) out.push(decl[0].trim());
    for (const n of Array.from(doc.childNodes)) prettyXmlNode(n, 0, out);
    return out.join("\n");
  }

  function pretty(text) {
    const t = (text || "").trimStart();
    if (t.startsWith("{") || t.startsWith("[")) return prettyJson(text);
    if (t.startsWith("<")) return prettyXml(text);
    return text || "";
  }

  function shellQuote(s) {
    return "'" + String(s).replace(/'/g, "'\\''") + "'";
  }

  function curlFor(entry) {
    const body = entry.request || "";
    const json = body.trimStart().startsWith("{");
    const scheme = location.protocol === "https:" ? "https" : "http";
    const parts = ["curl"];
    if (scheme === "https") parts.push("--cacert certs/ca.pem");
    parts.push("-X POST", "-H " + shellQuote("Content-Type: " +
      (json ? "application/json" : "application/xml")));
    parts.push("--data-binary " + shellQuote(body));
    parts.push(shellQuote(scheme + "://" + location.host + "/zapi/"));
    return parts.join(" ");
  }

  /* ---- views ----------------------------------------------------------------------------- */

  function setTitle(text, ...extra) {
    clear(main);
    main.appendChild(h("h1", { text }));
    append(main, extra);
  }

  function fail(err, where) {
    (where || main).appendChild(message("error", "The admin API said: " + err.message));
  }

  /* API Integrations: the partners table. */
  async function partnersView() {
    setTitle("API Integrations");
    const box = h("div", { class: "card" });
    const tools = h("p", {},
      h("a", { href: "#/create" }, "Create ZAPI Partner"), " · ",
      h("a", { href: API + "partners/export", download: "registry.xml" },
        "Export runtime partners as registry XML"));
    append(main, [box, tools]);
    async function refresh() {
      const data = await api("GET", "clients");
      const rows = data.clients.map((c) => {
        const anon = c.token === "anonymous";
        const go = () => { location.hash = "#/partners/" + encodeURIComponent(c.token); };
        return h("tr", { class: "clickable", onclick: go, dataset: { token: c.token } },
          h("td", {}, h("a", { href: "#/partners/" + encodeURIComponent(c.token) },
            anon ? "(requests without a valid token)" : c.affiliateUsername || "(no name)")),
          h("td", { text: anon ? "" : c.organisation }),
          h("td", { class: "token", text: anon ? "anonymous" : c.token }),
          h("td", { class: "num", text: anon ? "" : c.accountId }),
          h("td", { class: "num", text: anon ? "" : c.userId }),
          h("td", { class: "num requests", text: c.requests }),
          h("td", { text: when(c.lastRequestAt) }),
          h("td", {}, anon ? "" : h("span", { class: "badge", text: c.source || "fixtures" })));
      });
      const table = h("table", { id: "partners" },
        h("thead", {}, h("tr", {},
          ["Affiliate username", "Company/Organization", "ZAPI token", "Account id", "User id",
           "Requests", "Last seen", "Source"].map((t) =>
            h("th", { class: /id$|Requests/.test(t) ? "num" : "", text: t })))),
        h("tbody", {}, rows));
      clear(box).appendChild(table);
    }
    await refresh();
    return refresh;
  }

  /* Create ZAPI Partner: pick or add a contact, save, see the token once. */
  async function createView() {
    setTitle("Create ZAPI Partner");
    const data = await api("GET", "contacts");
    const free = data.contacts.filter((c) => !c.token);
    const result = h("div", { id: "create-result" });
    const select = h("select", { id: "contact", name: "contact" },
      h("option", { value: "new", text: "Add a new contact…" }),
      free.map((c) => h("option", { value: String(c.userId),
        text: c.name + (c.organisation ? " (" + c.organisation + ")" : "") + " · user " +
          c.userId })));
    const name = h("input", { id: "name", name: "name", maxlength: 100, autocomplete: "off" });
    const org = h("input", { id: "organisation", name: "organisation", maxlength: 100,
      placeholder: "none: account id 0" });
    const email = h("input", { id: "email", name: "email", type: "email", maxlength: 254 });
    const newFields = h("div", { class: "row", id: "new-contact" },
      h("label", {}, "Name (affiliate username)", name),
      h("label", {}, "Parent organisation", org),
      h("label", {}, "E-mail", email));
    select.addEventListener("change", () => {
      newFields.hidden = select.value !== "new";
    });
    const save = h("button", { type: "submit", id: "save", text: "Save" });
    const form = h("form", { class: "card", id: "create-form" },
      h("div", { class: "row" }, h("label", {}, "Affiliate user", select)),
      newFields,
      h("p", { class: "muted", text: "Each application gets its own contact and token. " +
        "The account id is greater than zero only when the contact has a parent organisation." }),
      save);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clear(result);
      save.disabled = true;
      try {
        let userId = Number(select.value);
        if (select.value === "new") {
          const c = await api("POST", "contacts", {
            name: name.value.trim(), organisation: org.value.trim() || null,
            email: email.value.trim() });
          userId = c.contact.userId;
        }
        const p = (await api("POST", "partners", { userId })).partner;
        showToken(result, p);
        form.reset();
        newFields.hidden = false;
        clear(select).appendChild(h("option", { value: "new", text: "Add a new contact…" }));
      } catch (err) {
        fail(err, result);
      } finally {
        save.disabled = false;
      }
    });
    append(main, [form, result]);
    return null;
  }

  function showToken(where, p) {
    const copyBtn = h("button", { type: "button", class: "secondary", id: "copy-token",
      text: "Copy" });
    copyBtn.addEventListener("click", () => copy(p.token, copyBtn));
    append(where, [
      message("ok", "ZAPI partner created. Copy the token now: this page shows it once."),
      h("div", { class: "secret" }, h("code", { id: "new-token", text: p.token }), copyBtn),
      h("div", { class: "card" }, facts([
        ["Affiliate username", p.affiliateUsername], ["Company/Organization", p.organisation],
        ["Account id", p.accountId], ["User id", p.userId]])),
      h("p", {}, h("a", { href: "#/partners/" + encodeURIComponent(p.token),
        text: "Open the partner's details" }))]);
  }

  function facts(pairs) {
    return h("dl", { class: "facts" },
      pairs.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v === null ? "" : v })]));
  }

  function codeBadge(label, v, goodIf) {
    if (v === null || v === undefined) return null;
    const good = goodIf(v);
    return h("span", { class: "badge " + (good ? "ok" : "bad"), text: label + " " + v });
  }

  function exchangeCard(e) {
    const curlPre = h("pre", { class: "curl", hidden: true });
    const curlBtn = h("button", { type: "button", class: "secondary copy-curl",
      text: "Copy as curl" });
    curlBtn.addEventListener("click", () => {
      const cmd = curlFor(e);
      curlPre.textContent = cmd;
      curlPre.hidden = false;
      copy(cmd, curlBtn);
    });
    const masked = /\*{3,}/.test(e.request || "");
    return h("article", { class: "exchange", dataset: { method: e.method, status: e.status } },
      h("header", {},
        h("strong", { class: "method", text: e.method }),
        h("span", { class: "badge " + (e.status < 300 ? "ok" : e.status === 503 ? "warn" : "bad"),
          text: "HTTP " + e.status }),
        codeBadge("error", e.zapiError, (v) => v === 0),
        codeBadge("methodError", e.methodError, (v) => v === 0),
        h("span", { class: "muted", text: (e.latencyUs / 1000).toFixed(2) + " ms" }),
        h("span", { class: "muted", text: when(e.time) }),
        h("span", { class: "muted", text: e.peer }),
        masked ? h("span", { class: "badge warn", text: "secrets masked" }) : null,
        curlBtn),
      curlPre,
      h("div", { class: "bodies" },
        h("div", {}, h("h3", { text: "Request" + (e.requestTruncated ? " (cut)" : "") }),
          h("pre", { class: "request", text: pretty(e.request) })),
        h("div", {}, h("h3", { text: "Response" + (e.responseTruncated ? " (cut)" : "") }),
          h("pre", { class: "response", text: pretty(e.response) }))));
  }

  /* A partner's details and its last 20 exchanges, newest first. */
  async function partnerView(token) {
    setTitle("Partner details");
    const info = h("div", { class: "card", id: "partner-info" });
    const list = h("div", { id: "exchanges" });
    append(main, [info, h("h2", { text: "The last 20 ZAPI requests and responses" }), list]);
    let shown = "";
    async function refresh() {
      const d = await api("GET", "clients/" + encodeURIComponent(token) + "/requests");
      const key = d.requests + "|" + d.lastRequestAt;
      if (key === shown) return;
      shown = key;
      const anon = token === "anonymous";
      const revoke = d.source === "runtime"
        ? h("button", { type: "button", class: "danger", id: "revoke", text: "Revoke token" })
        : null;
      if (revoke) {
        revoke.addEventListener("click", async () => {
          if (!confirm("Revoke this token? Requests with it will fail validation.")) return;
          try {
            await api("DELETE", "partners/" + encodeURIComponent(token));
            location.hash = "#/partners";
          } catch (err) {
            fail(err, info);
          }
        });
      }
      clear(info);
      append(info, [facts(anon ? [["Client", "requests without a valid token"],
                                   ["Requests", d.requests]] : [
        ["Affiliate username", d.affiliateUsername], ["Company/Organization", d.organisation],
        ["ZAPI token", d.token], ["Account id", d.accountId], ["User id", d.userId],
        ["Requests", d.requests], ["Last seen", when(d.lastRequestAt)],
        ["Source", d.source === "runtime" ? "created at run time" : "fixtures/registry.xml"]]),
        revoke ? h("p", {}, revoke) : null]);
      clear(list);
      if (!d.journal.length) list.appendChild(h("p", { class: "muted", text: "No requests yet." }));
      append(list, d.journal.map(exchangeCard));
    }
    await refresh();
    return refresh;
  }

  /* ---- throttling ------------------------------------------------------------------------ */

  /* Samples of the cumulative counters per client, kept for the page's lifetime. */
  const history = new Map(); /* token -> [{t, admitted, throttled}] */

  function record(state) {
    const now = Date.now() / 1000;
    for (const c of state.clients) {
      let h0 = history.get(c.token);
      const last = h0 && h0[h0.length - 1];
      /* Counters went down: a reset. Start this client's history again. */
      if (!h0 || (last && (c.admitted < last.admitted || c.throttled < last.throttled))) {
        h0 = [];
        history.set(c.token, h0);
      }
      h0.push({ t: now, admitted: c.admitted, throttled: c.throttled });
      while (h0.length > 2 && h0[1].t < now - CHART_SECONDS - state.window) h0.shift();
    }
  }

  /* Requests within the window ending at sample i: what the limit is compared with. Before the
   * page has a window's worth of samples, counting starts at the first sample. */
  function inWindow(samples, i, key, window) {
    const s = samples[i];
    let base = samples[0][key];
    for (let j = i; j >= 0; j--) {
      if (samples[j].t <= s.t - window) {
        base = samples[j][key];
        break;
      }
    }
    return s[key] - base;
  }

  function drawChart(canvas, state) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 600;
    const hgt = canvas.clientHeight || 260;
    canvas.width = w * dpr;
    canvas.height = hgt * dpr;
    const g = canvas.getContext("2d");
    g.scale(dpr, dpr);
    g.clearRect(0, 0, w, hgt);
    const now = Date.now() / 1000;
    const left = 40, right = 10, top = 10, bottom = 24;
    const series = [];
    let max = Math.max(state.limit || 0, 1);
    let idx = 0;
    let admittedNow = 0, throttledNow = 0;
    for (const [token, samples] of history) {
      const color = COLORS[idx++ % COLORS.length];
      const win = (state.clients.find((c) => c.token === token) || {}).window || state.window;
      const pts = samples.map((s, i) => ({
        t: s.t, a: inWindow(samples, i, "admitted", win), th: inWindow(samples, i, "throttled", win)
      }));
      const lastPt = pts[pts.length - 1];
      if (!pts.some((p) => p.a || p.th)) continue;
      admittedNow += lastPt.a;
      throttledNow += lastPt.th;
      for (const p of pts) max = Math.max(max, p.a, p.th);
      series.push({ token, color, pts });
    }
    /* The x axis grows with the history: at least a minute, at most CHART_SECONDS. */
    let oldest = now;
    for (const samples of history.values()) if (samples.length) oldest = Math.min(oldest, samples[0].t);
    const span = Math.min(CHART_SECONDS, Math.max(60, now - oldest));
    const x = (t) => left + (w - left - right) * (1 - (now - t) / span);
    const y = (v) => top + (hgt - top - bottom) * (1 - v / (max * 1.1));
    g.strokeStyle = "#dde3ea";
    g.fillStyle = "#5b6a7a";
    g.font = "11px sans-serif";
    g.lineWidth = 1;
    for (let k = 0; k <= 4; k++) {
      const v = Math.round((max * 1.1 * k) / 4);
      g.beginPath();
      g.moveTo(left, y(v));
      g.lineTo(w - right, y(v));
      g.stroke();
      g.fillText(String(v), 4, y(v) + 4);
    }
    const step = span <= 60 ? 10 : span <= 180 ? 30 : 60;
    for (let k = 0; k * step <= span; k++) {
      const ago = k * step;
      const label = ago === 0 ? "now" : ago < 60 || ago % 60 ? "-" + ago + " s" : "-" + ago / 60 + " min";
      g.fillText(label, x(now - ago) - 14, hgt - 6);
    }
    if (state.limit > 0) {
      g.strokeStyle = "#b3261e";
      g.setLineDash([6, 4]);
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(left, y(state.limit));
      g.lineTo(w - right, y(state.limit));
      g.stroke();
      g.fillStyle = "#b3261e";
      g.fillText("limit " + state.limit + " per " + state.window + " s", left + 4,
        y(state.limit) - 4);
    }
    for (const s of series) {
      for (const [key, dash] of [["a", []], ["th", [2, 3]]]) {
        g.strokeStyle = s.color;
        g.setLineDash(dash);
        g.lineWidth = 2;
        g.beginPath();
        s.pts.forEach((p, i) => {
          if (i === 0) g.moveTo(x(p.t), y(p[key]));
          else g.lineTo(x(p.t), y(p[key]));
        });
        g.stroke();
      }
    }
    g.setLineDash([]);
    canvas.dataset.samples = String(Array.from(history.values())
      .reduce((n, s) => n + s.length, 0));
    canvas.dataset.admitted = String(admittedNow);
    canvas.dataset.throttled = String(throttledNow);
    canvas.dataset.limit = String(state.limit);
    return series;
  }

  async function throttleView() {
    setTitle("Throttling");
    const settings = h("div", { class: "card", id: "throttle-settings" });
    const feedback = h("div", { id: "throttle-feedback" });
    const canvas = h("canvas", { class: "chart", id: "chart",
      "aria-label": "Admitted and throttled requests per client within the window" });
    const legend = h("div", { class: "legend", id: "legend" });
    const clients = h("div", { id: "throttle-clients" });
    let state = null;

    async function change(method, body, what) {
      clear(feedback);
      try {
        state = await api(method, "throttle", body);
        feedback.appendChild(message("ok", what));
        render();
      } catch (err) {
        fail(err, feedback);
      }
    }

    const limit = h("input", { id: "limit", type: "number", min: 0, step: 1, value: 0 });
    const windowIn = h("input", { id: "window", type: "number", min: 1, step: "any", value: 60 });
    const every = h("input", { id: "every", type: "number", min: 0, step: 1, value: 0 });
    const status = h("select", { id: "status-code" },
      h("option", { value: "503", text: "503 (documented)" }),
      h("option", { value: "200", text: "200 (seen live)" }));
    const forceWho = h("select", { id: "force-token" },
      h("option", { value: "", text: "every client" }));
    const forceSecs = h("input", { id: "force-seconds", type: "number", min: 0, step: "any",
      placeholder: "until lifted" });
    const btn = (id, text, cls, fn) => {
      const b = h("button", { type: "button", id, class: cls || "", text });
      b.addEventListener("click", fn);
      return b;
    };
    const controls = h("div", { class: "card" },
      h("div", { class: "row" },
        h("label", {}, "Limit per window", limit), h("label", {}, "Window (s)", windowIn),
        btn("apply-limit", "Set limit", "", () => change("POST",
          { limit: Number(limit.value), window: Number(windowIn.value) }, "Limit set."))),
      h("div", { class: "row" },
        h("label", {}, "Throttle every Nth request", every),
        btn("apply-every", "Set every-N", "", () => change("POST", { every: Number(every.value) },
          "Every-N set."))),
      h("div", { class: "row" },
        h("label", {}, "Force throttling of", forceWho), h("label", {}, "for seconds", forceSecs),
        btn("force", "Force", "danger", () => {
          const f = {};
          if (forceWho.value) f.token = forceWho.value;
          if (forceSecs.value) f.seconds = Number(forceSecs.value);
          change("POST", { force: Object.keys(f).length ? f : true }, "Throttling forced.");
        }),
        btn("lift", "Lift", "secondary", () => change("POST",
          { lift: forceWho.value || true }, "Force lifted."))),
      h("div", { class: "row" },
        h("label", {}, "HTTP status of throttled answers", status),
        btn("apply-status", "Set status", "", () => change("POST", { status: Number(status.value) },
          "Status set.")),
        btn("reset", "Reset counts", "secondary", () => change("POST", { reset: true },
          "Counts reset.")),
        btn("off", "Everything off", "secondary", () => change("DELETE", undefined,
          "Throttling off."))));

    function render() {
      if (!state) return;
      record(state);
      clear(settings);
      settings.appendChild(facts([
        ["Throttling", state.enabled ? "on" : "off"],
        ["Limit", state.limit ? state.limit + " requests per " + state.window + " s per client"
          : "off"],
        ["Every-N", state.every ? "each request number " + state.every + "·k of a client" : "off"],
        ["Throttled answers", "HTTP " + state.status],
        ["Forced", state.forced.length ? state.forced.map((f) =>
          (f.token || "every client") + (f.remaining === null ? " until lifted"
            : " for " + f.remaining.toFixed(1) + " s")).join(", ") : "none"]]));
      settings.dataset.enabled = String(state.enabled);
      settings.dataset.forced = String(state.forced.length);
      const known = new Set(Array.from(forceWho.options).map((o) => o.value));
      for (const c of state.clients) {
        if (!known.has(c.token)) forceWho.appendChild(h("option", { value: c.token, text: c.token }));
      }
      clear(clients).appendChild(h("table", { id: "throttle-table" },
        h("thead", {}, h("tr", {}, ["Client token", "Admitted", "Throttled", "Own limit"].map(
          (t) => h("th", { class: t === "Client token" ? "" : "num", text: t })))),
        h("tbody", {}, state.clients.map((c) => h("tr", { dataset: { token: c.token } },
          h("td", { class: "token", text: c.token }),
          h("td", { class: "num admitted", text: c.admitted }),
          h("td", { class: "num throttled", text: c.throttled }),
          h("td", { class: "num", text: c.limit ? c.limit + " / " + (c.window || state.window) +
            " s" : "" }))))));
      const series = drawChart(canvas, state);
      clear(legend);
      for (const s of series) {
        const a = h("span", { text: s.token + " admitted" });
        const t = h("span", { class: "throttled", text: s.token + " throttled" });
        a.style.setProperty("--c", s.color);
        t.style.setProperty("--c", s.color);
        append(legend, [a, t]);
      }
      if (state.limit > 0) legend.appendChild(h("span", { class: "limit", text: "limit" }));
    }

    append(main, [h("div", { class: "grid2" }, settings, controls), feedback,
      h("div", { class: "card", id: "chart-card" },
        h("h2", { text: "Requests per client within the window (up to the last 5 minutes)" }),
        canvas, legend),
      h("h2", { text: "Per client" }), clients]);
    async function refresh() {
      state = await api("GET", "throttle");
      render();
    }
    await refresh();
    limit.value = state.limit;
    windowIn.value = state.window;
    every.value = state.every;
    status.value = String(state.status);
    return refresh;
  }

  /* ---- booking state ---------------------------------------------------------------------- */

  function table(id, heads, rows) {
    return h("table", { id },
      h("thead", {}, h("tr", {}, heads.map((t) => h("th", { text: t })))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { class: "muted",
        colspan: heads.length, text: "none" }))));
  }

  /* Carts, bookings and the e-mail outbox of the booking engine; reset to the starting point. */
  async function stateView() {
    setTitle("Bookings");
    const summary = h("div", { class: "card", id: "state-summary" });
    const feedback = h("div", { id: "state-feedback" });
    const carts = h("div", { class: "card", id: "state-carts" });
    const bookings = h("div", { class: "card", id: "state-bookings" });
    const outbox = h("div", { class: "card", id: "state-outbox" });
    const reset = h("button", { type: "button", class: "danger", id: "reset-state",
      text: "Reset state" });
    reset.addEventListener("click", async () => {
      if (!confirm("Forget every cart, booking and e-mail, back to the catalogue's start?")) return;
      clear(feedback);
      try {
        await api("DELETE", "state");
        feedback.appendChild(message("ok", "State reset."));
        shown = "";
        await refresh();
      } catch (err) {
        fail(err, feedback);
      }
    });
    append(main, [summary, h("p", {}, reset), feedback, h("h2", { text: "Carts" }), carts,
      h("h2", { text: "Bookings" }), bookings, h("h2", { text: "E-mail outbox" }), outbox]);
    let shown = "";
    async function refresh() {
      const [st, c, b, o] = await Promise.all([api("GET", "state"), api("GET", "state/carts"),
        api("GET", "state/bookings"), api("GET", "outbox")]);
      /* Redrawn only on a change, so an opened e-mail stays open. */
      const key = JSON.stringify([st, c, b, o]);
      if (key === shown) return;
      shown = key;
      clear(summary).appendChild(facts([["Carts", st.carts], ["Bookings", st.bookings],
        ["Wait list", st.waitlist], ["Inventory version", st.inventoryVersion],
        ["Survives a restart", st.survivesRestart]]));
      summary.dataset.carts = String(st.carts);
      summary.dataset.bookings = String(st.bookings);
      clear(carts).appendChild(table("carts-table",
        ["Cart id", "Owner", "Created", "Last used", "Items", "Customer"],
        c.carts.map((x) => h("tr", { dataset: { cart: x.cartId } },
          h("td", { class: "token", text: x.cartId }), h("td", { class: "token", text: x.owner }),
          h("td", { text: when(x.created) }), h("td", { text: when(x.lastUsed) }),
          h("td", { class: "num", text: x.items }), h("td", { text: x.customer })))));
      clear(bookings).appendChild(table("bookings-table",
        ["Number", "Reference", "Created", "Guest", "E-mail", "Items", "Total", "Paid",
         "Balance", ""],
        b.bookings.map((x) => h("tr", { dataset: { booking: x.bookingNumber } },
          h("td", { text: x.bookingNumber }), h("td", { class: "token", text: x.reference }),
          h("td", { text: when(x.created) }), h("td", { text: x.guest }),
          h("td", { text: x.email }),
          h("td", { text: (x.items || []).map((i) => i.name + (i.date ? " " + i.date : "") +
            (i.passengers ? " ×" + i.passengers : "")).join("; ") }),
          h("td", { class: "num", text: x.total }), h("td", { class: "num", text: x.paid }),
          h("td", { class: "num", text: x.balance }),
          h("td", {}, x.cancelled ? h("span", { class: "badge bad", text: "cancelled" }) : null)))));
      clear(outbox).appendChild(o.emails.length
        ? h("div", {}, o.emails.map((m) => h("details", { class: "mail", dataset: { id: m.id } },
          h("summary", {}, h("strong", { text: m.subject }), " · to ", m.to, " · ", when(m.sent)),
          h("pre", { text: m.body }))))
        : h("p", { class: "muted", text: "No e-mails sent." }));
    }
    await refresh();
    return refresh;
  }

  /* ---- health and metrics ---------------------------------------------------------------- */

  function parseMetrics(text) {
    const sums = {};
    for (const line of text.split("\n")) {
      if (!line || line.startsWith("#")) continue;
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const v = Number(m[3]);
      if (!isFinite(v)) continue;
      sums[m[1]] = (sums[m[1]] || 0) + v;
      if (m[2]) {
        const st = /status="(\d+)"/.exec(m[2]);
        if (st && m[1].endsWith("requests_total")) {
          const k = m[1] + ":" + st[1][0] + "xx";
          sums[k] = (sums[k] || 0) + v;
        }
      }
    }
    return sums;
  }

  function pick(sums, suffix) {
    for (const k of Object.keys(sums)) if (k.endsWith(suffix)) return sums[k];
    return 0;
  }

  async function healthView() {
    setTitle("Health & metrics");
    const tiles = h("div", { class: "tiles", id: "tiles" });
    const details = h("div", { class: "card", id: "health" });
    append(main, [tiles, h("h2", { text: "Server" }), details,
      h("p", {}, h("a", { href: API + "metrics", text: "All metrics (Prometheus text)" }))]);
    async function refresh() {
      const [hl, mt] = await Promise.all([api("GET", "health"), api("GET", "metrics")]);
      const s = parseMetrics(mt);
      const tile = (k, v) => h("div", { class: "tile" }, h("div", { class: "v", text: v }),
        h("div", { class: "k", text: k }));
      clear(tiles);
      append(tiles, [
        tile("status", hl.status),
        tile("requests", pick(s, "requests_total")),
        tile("2xx answers", pick(s, "requests_total:2xx")),
        tile("4xx answers", pick(s, "requests_total:4xx")),
        tile("5xx answers", pick(s, "requests_total:5xx")),
        tile("throttled", pick(s, "throttled_total")),
        tile("open connections", hl.openConnections),
        tile("TLS handshakes", pick(s, "tls_handshakes_total")),
        tile("refused", pick(s, "refused_total")),
        tile("uptime (s)", Math.round(hl.uptimeSeconds))]);
      clear(details).appendChild(facts([
        ["Version", hl.version], ["Started", when(hl.startedAt)],
        ["Fixtures", hl.fixtures.dir], ["Loaded", when(hl.fixtures.loadedAt)],
        ["Methods", hl.fixtures.methods], ["Partners", hl.fixtures.partners],
        ["Agents", hl.fixtures.agents]]));
    }
    await refresh();
    return refresh;
  }

  /* ---- routing and the status line ------------------------------------------------------- */

  async function heartbeat() {
    try {
      const hl = await api("GET", "health");
      statusEl.textContent = hl.status + " · v" + hl.version + " · up " +
        Math.round(hl.uptimeSeconds) + " s · " + hl.fixtures.partners + " partners";
      statusEl.classList.remove("bad");
    } catch (err) {
      statusEl.textContent = "admin API unreachable: " + err.message;
      statusEl.classList.add("bad");
    }
  }

  async function route() {
    heartbeat();
    if (timer) clearInterval(timer);
    timer = null;
    const hash = location.hash || "#/partners";
    const m = /^#\/([a-z]+)(?:\/(.*))?$/.exec(hash) || [null, "partners"];
    view = m[1];
    for (const a of document.querySelectorAll("nav.side a")) {
      a.classList.toggle("active", a.dataset.view === (view === "partner" ? "partners" : view));
    }
    const mine = hash;
    let refresh = null;
    try {
      if (view === "create") refresh = await createView();
      else if (view === "throttle") refresh = await throttleView();
      else if (view === "health") refresh = await healthView();
      else if (view === "state") refresh = await stateView();
      else if (view === "partners" && m[2]) refresh = await partnerView(decodeURIComponent(m[2]));
      else refresh = await partnersView();
    } catch (err) {
      fail(err);
    }
    if (refresh && mine === (location.hash || "#/partners")) {
      timer = setInterval(() => {
        refresh().catch((err) => { statusEl.textContent = "refresh failed: " + err.message; });
      }, POLL_MS);
    }
  }

  window.addEventListener("hashchange", route);
  heartbeat();
  setInterval(heartbeat, 5000);
  route();
})();
