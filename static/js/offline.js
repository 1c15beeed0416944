/* What the shopper sees of the phone's queue (outbox.js), on every page of those who audit:
   - the status line "2 audits and 5 photos waiting to send", with a link to the list;
   - sending: at each page load, when the connection returns, every minute while a page is open,
     and through Background Sync where the browser has it (the service worker sends then);
   - on "My assignments": asks the service worker to keep what each assignment of the next days
     needs, marks each "ready offline" with the time, and starts an assignment offline;
   - on "Waiting to send": the list, with "Send now" and the reasons of anything refused.
   The words come from data-* attributes of #outbox-status (templates/offline/_status.html). */
(function () {
  "use strict";
  var line = document.getElementById("outbox-status");
  var box = window.VerazOutbox;
  if (!line || !box || !window.indexedDB) return;
  var t = line.dataset;

  function count(kind, n) { return (n === 1 ? t[kind + "One"] : t[kind + "Other"]).replace(/\d+/, n); }
  function fill(template, values) {
    return Object.keys(values).reduce(function (text, key) { return text.replace("{" + key + "}", values[key]); }, template);
  }
  function summaryText(s) {
    var parts = [];
    if (s.audits) parts.push(count("audits", s.audits));
    if (s.photos) parts.push(count("photos", s.photos));
    var text = parts.length === 2 ? fill(t.both, { a: parts[0], p: parts[1] })
      : parts.length === 1 ? fill(t.one, { a: parts[0] }) : "";
    if (s.refused) text = (text ? text + " · " : "") + count("refused", s.refused);
    return text;
  }

  // --- The status line -------------------------------------------------------------------------------
  function refresh() {
    return box.summary().then(function (s) {
      var text = summaryText(s);
      line.querySelector(".outbox-text").textContent = text;
      line.hidden = !text;
      marks(s);
      if (list) drawList(s);
      return s;
    }).catch(function () { /* no IndexedDB (private mode): nothing can be queued either */ });
  }
  box.onChange(refresh);
  if (t.csrf) box.setMeta("csrf", t.csrf).catch(function () {});
  box.setMeta("user", t.user).catch(function () {});
  box.user = t.user;

  // --- Sending -------------------------------------------------------------------------------------
  function sendNow() {
    if (!navigator.onLine) return Promise.resolve({ offline: true });
    return box.send().then(function (result) { refresh(); return result; });
  }
  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("veraz-outbox");
      return null;
    }).catch(function () { /* no Background Sync: the page load, "online" and the minute below */ });
  }
  window.addEventListener("online", sendNow);
  setInterval(function () {
    box.summary().then(function (s) { if (s.audits || s.photos) sendNow(); }).catch(function () {});
  }, 60000);
  box.onChange(askForSync);
  refresh().then(function (s) { if (s && (s.audits || s.photos)) sendNow(); });
  // Ask the phone to keep our queue through storage pressure (granted to installed apps).
  if (navigator.storage && navigator.storage.persist) {
    box.summary().then(function (s) { if (s.audits || s.photos) navigator.storage.persist(); }).catch(function () {});
  }

  // --- My assignments: ready offline -------------------------------------------------------------
  var prepared = document.querySelectorAll("[data-prepare]");
  function readyKey(url) { return "veraz-ready:" + url; }
  function marks(s) {
    var waiting = {};
    (s ? s.items : []).forEach(function (item) {
      if (item.assignment_id) waiting["a" + item.assignment_id] = item;
      if (item.audit_id) waiting["u" + item.audit_id] = item;
    });
    document.querySelectorAll("[data-assignment]").forEach(function (li) {
      var mark = li.querySelector(".offline-mark");
      if (!mark) return;
      var item = waiting["a" + li.dataset.assignment] || (li.dataset.audit && waiting["u" + li.dataset.audit]);
      var text = "";
      if (item) text = item.state === "refused" ? fill(t.refused, { r: item.reason }) : t.waiting;
      else {
        var at = li.dataset.prepare && parseInt(localStorage.getItem(readyKey(li.dataset.prepare)), 10);
        if (at) text = fill(t.ready, { t: new Date(at).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" }) });
      }
      (mark.querySelector("a") || mark).textContent = text; // a link to the kept page
      mark.hidden = !text;
      mark.classList.toggle("waiting", !!item);
    });
  }
  if (prepared.length && "serviceWorker" in navigator && navigator.onLine) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var kept = event.data && event.data.prepared;
      if (!Array.isArray(kept)) return;
      kept.forEach(function (path) {
        try { localStorage.setItem(readyKey(path), String(event.data.at)); } catch (e) { /* full */ }
      });
      refresh();
    });
    var sw = document.querySelector("script[data-sw]");
    var registering = sw ? navigator.serviceWorker.register(sw.dataset.sw, { scope: "/" }) : Promise.resolve();
    registering.then(function () { return navigator.serviceWorker.ready; }).then(function (registration) {
      var urls = Array.prototype.map.call(prepared, function (el) { return el.dataset.prepare; });
      urls.push(line.querySelector("a").getAttribute("href"), location.pathname);
      registration.active.postMessage({ prepare: urls });
    }).catch(function () { /* no service worker: the pages need a connection */ });
  }
  // Start with no connection: the page kept for the assignment, where the phone makes the audit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || navigator.onLine) return;
    if (form.dataset.offlineUrl) {
      event.preventDefault();
      location.href = form.dataset.offlineUrl;
    } else if (form.dataset.offlineStarts) {
      // unplanned: the kept page of the chosen scorecard, told the branch and employee chosen here
      var starts = JSON.parse(form.dataset.offlineStarts);
      var chosen = starts[form.elements["start-scorecard_id"].value];
      if (!chosen) return;
      event.preventDefault();
      location.href = chosen[1] + "?branch=" + encodeURIComponent(form.elements["start-branch_id"].value) +
        "&employee=" + encodeURIComponent(form.elements["start-employee_id"].value);
    }
  });

  // --- Waiting to send: the list -------------------------------------------------------------------
  var list = document.getElementById("outbox-list");
  var texts = list ? document.getElementById("outbox").dataset : {};
  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }
  function link(label, href) {
    var a = document.createElement("a");
    a.href = href; a.textContent = label;
    return a;
  }
  function drawList(s) {
    list.textContent = "";
    s.items.forEach(function (item) {
      var li = document.createElement("li");
      var div = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = item.label || item.client_id;
      div.appendChild(title);
      var state = document.createElement("p");
      var photos = s.photoItems.filter(function (p) { return p.audit === item.client_id && p.state !== "refused"; }).length;
      state.textContent = (item.state === "refused" ? fill(t.refused, { r: item.reason })
        : item.submit ? texts.submitted : texts.draft) + (photos ? " · " + texts.photos + ": " + photos : "");
      state.className = item.state === "refused" ? "reason" : "hint";
      div.appendChild(state);
      li.appendChild(div);
      var actions = document.createElement("p");
      if (item.state === "refused" && item.fill_url) actions.appendChild(link(texts.open, item.fill_url));
      else if (item.page) actions.appendChild(link(texts["continue"], item.page));
      if (item.state === "refused") {
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(button(texts.remove, function () {
          if (!window.confirm(texts.confirm)) return;
          s.photoItems.filter(function (p) { return p.audit === item.client_id; })
            .forEach(function (p) { box.deletePhoto(p.id); });
          box.deleteAudit(item.client_id);
        }));
      }
      li.appendChild(actions);
      list.appendChild(li);
    });
    s.photoItems.filter(function (p) { return p.state === "refused"; }).forEach(function (photo) {
      var li = document.createElement("li");
      var p = document.createElement("p");
      p.className = "reason";
      p.textContent = texts.photoRefused + " (" + (photo.label || "") + "): " + photo.reason;
      li.appendChild(p);
      li.appendChild(button(texts.remove, function () { box.deletePhoto(photo.id); }));
      list.appendChild(li);
    });
    if (!list.children.length) {
      var empty = document.createElement("li");
      empty.textContent = texts.empty;
      list.appendChild(empty);
    }
  }
  if (list) {
    var result = document.getElementById("outbox-result");
    document.getElementById("send-now").addEventListener("click", function () {
      result.textContent = texts.sending;
      sendNow().then(function (r) {
        result.textContent = r.offline ? t.offline : r.login ? t.login : r.refused ? "" : t.sent;
      });
    });
  }
})();
