/* The fill page: every change is saved on the server as it is given and kept on the phone until
   the server has it. Offline, changes wait in localStorage and are sent when the connection returns.
   The page is a plain form and works without this file; this file only adds autosave, offline,
   photo upload without leaving the page, check-in, and a submit that cannot be sent twice.
   With no connection, photos and the submission wait in the phone's queue (outbox.js) and are
   sent when it returns. A page "prepared" for an assignment not started yet (data-prepared) has
   no audit on the server: the phone makes its client id and everything goes through the queue,
   which creates the audit from that client id (docs/offline.md). */
(function () {
  "use strict";
  var form = document.getElementById("fill");
  if (!form) return;
  form.classList.add("js");

  var statusEl = document.getElementById("save-status");
  var texts = statusEl.dataset;
  var clientId = form.dataset.clientId;
  var box = window.VerazOutbox && window.indexedDB ? window.VerazOutbox : null;
  var assignmentId = form.dataset.prepared ? parseInt(form.dataset.prepared, 10) : null;
  var unplanned = form.dataset.unplanned || null; // a scorecard's slug: an unplanned audit
  var prepared = assignmentId || unplanned;
  var mapKey = "veraz-prepared-" + prepared;
  if (prepared) {
    // The same client id every time this page is opened on this phone, until it is submitted: one audit.
    clientId = localStorage.getItem(mapKey) || (box ? box.newId() : "");
    try { localStorage.setItem(mapKey, clientId); } catch (e) { /* storage full: the queue keeps it */ }
    form.elements.client_id.value = clientId;
    var asked = new URLSearchParams(location.search);
    if (unplanned && asked.get("branch") && form.elements.branch_id) form.elements.branch_id.value = asked.get("branch");
    if (unplanned && asked.get("employee") && form.elements.employee_id) form.elements.employee_id.value = asked.get("employee");
  }
  var pageRevision = parseInt(form.dataset.revision, 10) || 0;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : (form.elements.csrf_token || {}).value;
  var STORE = "veraz-audit-" + clientId;
  var DETAILS = ["employee_id", "employee_name_given", "channel", "started_at", "ended_at", "notes"];
  var inflight = null, timer = null, retryDelay = 2000, stopped = false, submitting = false;

  // --- The copy on the phone: {pending: {a, c, d, k}, acked: {a, c, d, rev}} ---------------------
  function empty() { return { a: {}, c: {}, d: {} }; }
  function load() {
    try {
      var data = JSON.parse(localStorage.getItem(STORE) || "null");
      if (data && data.pending && data.acked) return data;
    } catch (e) { /* a broken copy is replaced */ }
    return { pending: empty(), acked: Object.assign(empty(), { rev: 0 }) };
  }
  var store = load();
  function persist() {
    try { localStorage.setItem(STORE, JSON.stringify(store)); } catch (e) { /* storage full: server copy only */ }
  }
  function hasPending() {
    var p = store.pending;
    return Object.keys(p.a).length + Object.keys(p.c).length + Object.keys(p.d).length > 0 || !!p.k;
  }

  // --- Reading and writing the form -----------------------------------------------------------------
  function fieldKind(name) {
    if (name.indexOf("a-") === 0) return ["a", name.slice(2)];
    if (name.indexOf("na-") === 0) return ["a", name.slice(3)];
    if (name.indexOf("c-") === 0) return ["c", name.slice(2)];
    if (DETAILS.indexOf(name) >= 0) return ["d", name];
    return null;
  }
  function answerValue(key) {
    var na = form.elements["na-" + key];
    if (na && na.checked) return "na";
    var el = form.elements["a-" + key];
    if (!el) return null;
    if (el instanceof RadioNodeList || (el.length && !el.tagName)) {
      for (var i = 0; i < el.length; i++) if (el[i].checked) return el[i].value;
      return null;
    }
    if (el.type === "radio") return el.checked ? el.value : null;
    return el.value;
  }
  function setAnswer(key, value) {
    var na = form.elements["na-" + key];
    if (na) na.checked = value === "na";
    var el = form.elements["a-" + key];
    if (!el) return;
    var list = el.tagName ? [el] : el;
    for (var i = 0; i < list.length; i++) {
      var input = list[i];
      if (input.type === "radio") input.checked = value !== null && input.value === String(value);
      else input.value = value === null || value === "na" ? "" : value;
    }
  }
  function setField(kind, key, value) {
    if (kind === "a") return setAnswer(key, value);
    var el = form.elements[kind === "c" ? "c-" + key : key];
    if (el && el.tagName) el.value = value === null ? "" : value;
  }
  function readField(kind, key) {
    if (kind === "a") return answerValue(key);
    var el = form.elements[kind === "c" ? "c-" + key : key];
    return el && el.tagName ? el.value : null;
  }

  // --- Status and progress --------------------------------------------------------------------------
  function setStatus(state, text) {
    statusEl.dataset.state = state === "locked" || state === "retry" ? "error" : state;
    var message = text || texts[state] || "";
    if (statusEl.textContent !== message) statusEl.textContent = message;
  }
  function updateProgress() {
    var total = 0;
    form.querySelectorAll("[data-section]").forEach(function (section) {
      var done = 0;
      section.querySelectorAll("[data-answerable]").forEach(function (q) {
        var v = answerValue(q.dataset.key);
        if (v !== null && v !== "") done++;
      });
      var n = section.querySelector(".progress .n");
      if (n && n.textContent !== String(done)) n.textContent = done;
      total += done;
    });
    var count = document.getElementById("answered-count");
    if (count && count.textContent !== String(total)) count.textContent = total;
  }
  function showProblem(key, message) {
    var problemBox = document.getElementById("e-" + key);
    var q = document.getElementById("q-" + key);
    if (problemBox) { problemBox.textContent = message || ""; problemBox.hidden = !message; }
    if (q) {
      q.classList.toggle("has-error", !!message);
      if (message) q.setAttribute("aria-describedby", "e-" + key); else q.removeAttribute("aria-describedby");
    }
  }

  // --- Restore what the phone kept ------------------------------------------------------------------
  function apply(part) {
    ["a", "c", "d"].forEach(function (kind) {
      Object.keys(part[kind] || {}).forEach(function (key) { setField(kind, key, part[kind][key]); });
    });
  }
  if (store.acked.rev > pageRevision) {
    apply(store.acked); // this page is older than what the server already has (it came from the cache)
  } else {
    store.acked = Object.assign(empty(), { rev: 0 });
  }
  apply(store.pending);
  persist();
  updateProgress();

  // --- Sending -------------------------------------------------------------------------------------
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(sync, delay || 0);
  }
  function request(url, body, json) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrf };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, { method: "POST", headers: headers, body: json ? JSON.stringify(body) : body,
                        credentials: "same-origin", redirect: "manual" });
  }
  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("json") >= 0 ? response.json().catch(function () { return {}; }) : Promise.resolve(null);
  }
  function offlineRetry() {
    setStatus("offline");
    schedule(retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function sync() {
    if (prepared) return queueAnswers();
    if (inflight || stopped) return inflight;
    if (!hasPending()) { setStatus("saved"); return Promise.resolve(true); }
    if (!navigator.onLine) { offlineRetry(); return Promise.resolve(false); }
    var snapshot = JSON.parse(JSON.stringify(store.pending));
    setStatus("saving");
    var body = { client_id: clientId, answers: snapshot.a, comments: snapshot.c, details: snapshot.d };
    var checkin = snapshot.k ? request(form.dataset.checkin, snapshot.k, true).then(function (r) {
      if (r.ok || r.status === 422) { delete store.pending.k; persist(); }
    }) : Promise.resolve();
    inflight = checkin.then(function () {
      var noChanges = !Object.keys(snapshot.a).length && !Object.keys(snapshot.c).length && !Object.keys(snapshot.d).length;
      return noChanges ? null : request(form.dataset.autosave, body, true);
    }).then(function (response) {
      if (response === null) { inflight = null; return finish(); }
      return readJson(response).then(function (data) { inflight = null; return handle(response, data, snapshot); });
    }, function () {
      inflight = null;
      offlineRetry();
      return false;
    });
    return inflight;
  }

  function forget(snapshot, rev) {
    ["a", "c", "d"].forEach(function (kind) {
      Object.keys(snapshot[kind]).forEach(function (key) {
        if (JSON.stringify(store.pending[kind][key]) === JSON.stringify(snapshot[kind][key])) {
          delete store.pending[kind][key];
        }
        if (rev) store.acked[kind][key] = snapshot[kind][key];
      });
    });
    if (rev) store.acked.rev = rev;
    persist();
  }

  function finish() {
    retryDelay = 2000;
    if (hasPending()) return sync();
    setStatus("saved");
    return true;
  }

  function handle(response, data, snapshot) {
    if (response.ok && data && data.ok) {
      forget(snapshot, data.revision);
      Object.keys(snapshot.a).forEach(function (key) { showProblem(key, ""); });
      return finish();
    }
    var status = response.status;
    if (status === 422 && data && data.error) {
      var problems = (data.error.details || {}).problems || [];
      var bad = {};
      problems.forEach(function (p) { bad[p.criterion] = true; showProblem(p.criterion, p.message); });
      // Values the server refuses are shown at their question and not sent again; the rest are.
      ["a", "c", "d"].forEach(function (kind) {
        Object.keys(snapshot[kind]).forEach(function (key) {
          if (bad[key]) delete store.pending[kind][key];
        });
      });
      persist();
      setStatus("error", data.error.message);
      if (hasPending()) schedule(500);
      return false;
    }
    if (status === 409 && data && data.error && (data.error.details || {}).status) {
      stopped = true; // submitted or approved elsewhere: nothing more can be saved
      setStatus("locked", data.error.message);
      return false;
    }
    if (response.type === "opaqueredirect" || status === 401) { setStatus("error", texts.login); schedule(30000); return false; }
    if (status === 409 || status >= 500) {
      setStatus("retry");
      schedule(retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
      return false;
    }
    if (status === 400) { setStatus("error", texts.reload); return false; }
    setStatus("error", data && data.error ? data.error.message : texts.retry);
    return false;
  }

  // --- The phone's queue (outbox.js) ---------------------------------------------------------------
  function queueDefaults() {
    var line = document.getElementById("outbox-status");
    var common = { label: form.dataset.label, page: form.dataset.page, user: line ? line.dataset.user : null };
    if (unplanned) {
      return Object.assign(common, { scorecard_id: parseInt(form.dataset.scorecard, 10),
                                     branch_id: parseInt(form.elements.branch_id.value, 10),
                                     employee_id: parseInt(form.elements.employee_id.value, 10) || null });
    }
    return Object.assign(common, assignmentId ? { assignment_id: assignmentId } : { audit_id: parseInt(form.dataset.auditId, 10) });
  }
  // This audit's record in the queue, with the answers the server does not have yet.
  function queueAnswers(extra) {
    if (!box) { setStatus("error", texts.storageFull); return Promise.resolve(false); }
    if (stopped && !extra) return Promise.resolve(false);
    return box.audit(clientId, queueDefaults()).then(function (item) {
      var p = store.pending;
      Object.assign(item.answers, p.a); Object.assign(item.comments, p.c); Object.assign(item.details, p.d);
      item.state = "waiting";
      if (unplanned && !item.audit_id) { // as chosen now
        item.branch_id = queueDefaults().branch_id;
        item.employee_id = queueDefaults().employee_id;
      }
      Object.assign(item, extra || {});
      return box.putAudit(item);
    }).then(function () {
      if (!prepared) { store.pending = empty(); persist(); } // the queue has them now
      setStatus("offline", extra && extra.submit ? texts.submitQueued : texts.queued);
      if (navigator.onLine) box.send();
      return true;
    }, function () { setStatus("error", texts.storageFull); return false; });
  }
  function lock(locked) {
    stopped = locked;
    form.querySelectorAll("input:not([type=hidden]), select, textarea, button, .photo-button").forEach(function (el) {
      if (el.tagName === "LABEL") el.classList.toggle("disabled", locked); else el.disabled = locked;
    });
  }
  function queueSubmit() {
    lock(true);
    return queueAnswers({ submit: true });
  }
  // What became of this audit in the queue: sent (go to the audit), refused (say why, unlock).
  function followQueue() {
    if (!box) return;
    Promise.all([box.getAudit(clientId), box.getMeta("sent:" + clientId), box.photos()]).then(function (all) {
      var item = all[0], sent = all[1];
      drawQueuedPhotos(all[2].filter(function (p) { return p.audit === clientId; }));
      if (item && item.submit && item.state !== "refused") {
        lock(true);
        setStatus("offline", texts.submitQueued);
      } else if (item && item.state === "refused") {
        if (stopped) lock(false);
        setStatus("error", item.reason);
      } else if (!item && sent && stopped && sent.status !== "draft") {
        try { localStorage.removeItem(mapKey); } catch (e) { /* the next audit here gets a new id */ }
        location.href = sent.view_url;
      } else if (prepared && !item && sent && navigator.onLine && !hasPending()) {
        location.replace(sent.fill_url); // started here, now on the server: go on there
      }
    }).catch(function () {});
  }
  function drawQueuedPhotos(photos) {
    form.querySelectorAll("li.queued").forEach(function (li) {
      if (li.dataset.url) URL.revokeObjectURL(li.dataset.url);
      li.remove();
    });
    photos.forEach(function (photo) {
      var list = form.querySelector('[data-photos-for="' + (photo.criterion || "") + '"]');
      if (!list) return;
      var item = document.createElement("li");
      item.className = "queued" + (photo.state === "refused" ? " refused" : "");
      var img = document.createElement("img");
      item.dataset.url = img.src = URL.createObjectURL(photo.blob);
      img.alt = texts.photoAlt; img.width = 96; img.height = 96;
      var note = document.createElement("span");
      note.className = "photo-state";
      note.textContent = photo.state === "refused" ? texts.photoRefused + " " + photo.reason : texts.photoWaiting;
      item.appendChild(img); item.appendChild(note);
      list.appendChild(item);
    });
  }
  // The phone makes the photo small (longest side 1600 px) and a JPEG, which also leaves out its
  // EXIF data (the GPS position); the server cleans it again. A file the phone cannot read goes
  // as it is, for the server to accept or refuse with its reason.
  function reduce(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }, function () { return file; });
  }
  function roomFor(size) {
    if (!navigator.storage || !navigator.storage.estimate) return Promise.resolve(true);
    return navigator.storage.estimate().then(function (e) { return !e.quota || e.quota - e.usage > size * 2; },
                                             function () { return true; });
  }
  function queuePhoto(file, key, note) {
    if (!box) { note.textContent = texts.photoOffline; return; }
    reduce(file).then(function (blob) {
      return roomFor(blob.size).then(function (room) {
        if (!room) note.textContent = texts.storageFull;
        return box.audit(clientId, queueDefaults()).then(function (item) {
          return box.getAudit(clientId).then(function (stored) { return stored || box.putAudit(item); });
        }).then(function () {
          return box.putPhoto({ id: box.newId(), audit: clientId, criterion: key || "", blob: blob, name: "photo.jpg",
                                state: "waiting", reason: "", at: Date.now(), label: form.dataset.label,
                                user: queueDefaults().user });
        });
      });
    }).then(function () {
      note.textContent = texts.photoWaiting;
      if (prepared) queueAnswers();
      else if (navigator.onLine) box.send();
    }, function () { note.textContent = texts.storageFull; });
  }
  if (box) {
    box.onChange(followQueue);
    followQueue();
  }

  // --- Changes -------------------------------------------------------------------------------------
  var typing = null;
  function record(target) {
    if (!target.name || stopped) return false;
    var kind = fieldKind(target.name);
    if (!kind) return false;
    var value = readField(kind[0], kind[1]);
    store.pending[kind[0]][kind[1]] = value === "" && kind[0] === "a" ? null : value;
    persist();
    if (kind[0] === "a") updateProgress();
    return true;
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") return;
    if (record(event.target)) { clearTimeout(typing); schedule(0); }
  });
  form.addEventListener("input", function (event) {
    var t = event.target;
    if (t.type === "radio" || t.type === "checkbox" || t.tagName === "SELECT" || t.type === "file") return;
    if (record(t)) {
      setStatus(navigator.onLine ? "saving" : "offline");
      clearTimeout(typing);
      typing = setTimeout(function () { schedule(0); }, 700);
    }
  });
  window.addEventListener("online", function () { retryDelay = 2000; schedule(0); });
  window.addEventListener("offline", function () { if (hasPending()) setStatus("offline"); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { persist(); if (hasPending()) sync(); }
  });
  window.addEventListener("pagehide", persist);

  // --- Submit once ---------------------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var action = submitter ? submitter.getAttribute("formaction") : null;
    if (action && action.indexOf("/photos") >= 0) return; // a no-JS photo button; not used with JS
    event.preventDefault();
    if (submitting) return;
    var isSubmit = submitter && submitter.id === "submit-button";
    if (isSubmit && box && (prepared || !navigator.onLine)) { queueSubmit(); return; }
    if (prepared) { queueAnswers(); return; }
    if (!navigator.onLine) { setStatus("offline", isSubmit ? texts.offlineSubmit : texts.offline); return; }
    submitting = true;
    var button = isSubmit ? submitter : null;
    if (button) button.disabled = true;
    clearTimeout(typing);
    Promise.resolve(sync()).then(function () {
      if (hasPending()) {
        submitting = false;
        if (button) button.disabled = false;
        setStatus(navigator.onLine ? "error" : "offline", texts.unsent);
        return;
      }
      if (!isSubmit) { submitting = false; setStatus("saved"); return; }
      form.action = form.dataset.submit;
      form.submit(); // a plain POST carrying the client id: a retry finds the audit already submitted
    });
  });

  // --- Photos --------------------------------------------------------------------------------------
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.files || !input.files.length) return;
    var inputs = input.closest(".photo-inputs");
    var note = inputs.querySelector(".photo-status");
    var key = inputs.dataset.criterion;
    var file = input.files[0];
    if (prepared || !navigator.onLine) { queuePhoto(file, key, note); input.value = ""; return; }
    var data = new FormData();
    data.append("photo", input.files[0]);
    data.append("criterion", key);
    data.append("csrf_token", csrf);
    note.textContent = texts.photoSending;
    request(form.dataset.photos, data, false).then(function (response) {
      return readJson(response).then(function (body) {
        input.value = "";
        if (response.status === 201 && body) {
          note.textContent = texts.photoAdded;
          addThumb(key, body);
        } else {
          note.textContent = body && body.error ? body.error.message : texts.photoError;
        }
      });
    }, function () { input.value = ""; queuePhoto(file, key, note); }); // the connection dropped: queued
  });
  function addThumb(key, photo) {
    var list = form.querySelector('[data-photos-for="' + (key || "") + '"]');
    if (!list) return;
    var item = document.createElement("li");
    var img = document.createElement("img");
    img.src = photo.url; img.alt = texts.photoAlt; img.width = 96; img.height = 96;
    var remove = document.createElement("button");
    remove.type = "submit"; remove.className = "link remove-photo"; remove.textContent = texts.remove;
    remove.setAttribute("formaction", photo.delete_url);
    item.appendChild(img); item.appendChild(remove);
    list.appendChild(item);
  }
  form.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-photo");
    if (!button) return;
    event.preventDefault();
    if (!navigator.onLine) { setStatus("offline", texts.photoOffline); return; }
    request(button.getAttribute("formaction"), new FormData(), false).then(function (response) {
      if (response.ok) button.closest("li").remove();
    }, function () { setStatus("offline", texts.photoOffline); });
  });

  // --- Check-in, only when the auditor taps the button ----------------------------------------------
  var checkin = form.querySelector(".checkin");
  if (checkin && "geolocation" in navigator && !prepared) { // no audit to check in to yet
    checkin.hidden = false;
    var checkinNote = document.getElementById("checkin-status");
    document.getElementById("checkin-button").addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        store.pending.k = { lat: position.coords.latitude, lng: position.coords.longitude,
                            accuracy: position.coords.accuracy, at: new Date(position.timestamp).toISOString() };
        persist();
        checkinNote.textContent = texts.checkinDone + " · " + new Date(position.timestamp).toLocaleTimeString();
        schedule(0);
      }, function () { checkinNote.textContent = texts.checkinRefused; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // --- Jump to the first problem after a refused submission -----------------------------------------
  var problems = document.getElementById("problems");
  if (problems && !location.hash) problems.focus();

  // --- Offline: a service worker keeps this page, its CSS and this script --------------------------
  // Registered once the page has loaded and the phone is idle, so that it never competes with the
  // first taps; the worker itself fetches and keeps the files (static/js/sw.js), off this thread.
  function keepOffline() {
    navigator.serviceWorker.register(form.dataset.sw, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [form.dataset.page];
      document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (el) {
        urls.push(el.href || el.src);
      });
      if (registration.active) registration.active.postMessage({ keep: urls });
    }).catch(function () { /* no service worker: autosave still works */ });
  }
  if ("serviceWorker" in navigator) {
    var idle = window.requestIdleCallback || function (fn) { setTimeout(fn, 200); };
    var whenLoaded = function () { idle(keepOffline, { timeout: 5000 }); };
    if (document.readyState === "complete") whenLoaded(); else window.addEventListener("load", whenLoaded);
  }

  if (hasPending()) schedule(0); else setStatus("saved");
})();
