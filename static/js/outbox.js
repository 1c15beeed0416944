/* The phone's outbox: audits started, answered, photographed or submitted with no connection wait
   here, in IndexedDB (it survives a reload, a closed browser and a restart), and are sent when the
   connection returns: for each audit, its answers (which also create it from its client id), then
   its photos in the order they were taken, then the submission. Every request is safe to repeat:
   the server finds an audit again by its client id and a photo by its own client id, so a queue
   sent twice, or by the service worker and a page at once, makes one audit and one copy of each
   photo. Loaded by the pages (offline.js, fill.js) and by the service worker (sw.js, for
   Background Sync); no DOM here. Plain IndexedDB: the few calls below do not warrant a library.
   docs/offline.md describes the records. */
(function (root) {
  "use strict";
  var NAME = "veraz-outbox", VERSION = 1, REPLAY_URL = "/offline/audits";
  var opening = null, sending = null, listeners = [];
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(NAME) : null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(NAME, VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("audits", { keyPath: "client_id" });
          db.createObjectStore("photos", { keyPath: "id" });
          db.createObjectStore("meta");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }
  // One request in its own transaction; resolves once the transaction is committed (so a caller
  // that goes on knows the record is on disk), rejects on any error (QuotaExceededError included).
  function run(store, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var request = action(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error || request.error); };
      });
    });
  }
  function changed() {
    if (channel) channel.postMessage("changed");
    listeners.forEach(function (fn) { try { fn(); } catch (e) { /* a listener's error is its own */ } });
  }
  function write(store, action) {
    return run(store, "readwrite", action).then(function (value) { changed(); return value; });
  }

  var api = {
    audits: function () { return run("audits", "readonly", function (s) { return s.getAll(); }); },
    photos: function () { return run("photos", "readonly", function (s) { return s.getAll(); }); },
    getAudit: function (id) { return run("audits", "readonly", function (s) { return s.get(id); }); },
    putAudit: function (item) { return write("audits", function (s) { return s.put(item); }); },
    deleteAudit: function (id) { return write("audits", function (s) { return s.delete(id); }); },
    putPhoto: function (photo) { return write("photos", function (s) { return s.put(photo); }); },
    deletePhoto: function (id) { return write("photos", function (s) { return s.delete(id); }); },
    getMeta: function (key) { return run("meta", "readonly", function (s) { return s.get(key); }); },
    setMeta: function (key, value) { return run("meta", "readwrite", function (s) { return s.put(value, key); }); },
    onChange: function (fn) {
      listeners.push(fn);
      if (channel) channel.addEventListener("message", function () { fn(); });
    },
    newId: function () {
      if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
      var bytes = root.crypto.getRandomValues(new Uint8Array(16));
      return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    },
    /* An audit's record, made when first needed: {client_id, assignment_id, audit_id, label,
       answers, comments, details, started_at, submit, state: "waiting" | "refused", reason, created}. */
    audit: function (clientId, defaults) {
      return api.getAudit(clientId).then(function (item) {
        return item || Object.assign({ client_id: clientId, answers: {}, comments: {}, details: {}, submit: false,
                                       state: "waiting", reason: "", created: Date.now(),
                                       started_at: new Date().toISOString() }, defaults || {});
      });
    },
    /* What waits: counts for the status line, and the records for the list. */
    summary: function () {
      return Promise.all([api.audits(), api.photos(), api.getMeta("user")]).then(function (all) {
        mine(all, all[2]);
        var refusedAudits = {};
        all[0].forEach(function (a) { if (a.state === "refused") refusedAudits[a.client_id] = true; });
        return {
          audits: all[0].filter(function (a) { return a.state !== "refused"; }).length,
          photos: all[1].filter(function (p) { return p.state !== "refused" && !refusedAudits[p.audit]; }).length,
          refused: Object.keys(refusedAudits).length + all[1].filter(function (p) { return p.state === "refused"; }).length,
          items: all[0].sort(function (a, b) { return a.created - b.created; }),
          photoItems: all[1].sort(function (a, b) { return a.at - b.at; })
        };
      });
    },
    /* Send everything that waits, one audit after another. Resolves with {sent, refused, offline,
       login}: offline (no connection, or the server failed: try again later) and login (the
       session ended: log in again) stop the run and keep the rest for the next one. */
    send: function () {
      if (sending) return sending;
      var work = function () { return sendAll(); };
      var locks = root.navigator && root.navigator.locks;
      // One sender at a time across the tabs and the service worker.
      var run = locks ? locks.request(NAME, work) : work();
      sending = run.then(function (result) { sending = null; return result; },
                         function () { sending = null; return { offline: true, sent: 0, refused: 0 }; });
      return sending;
    }
  };

  // Only the records of the person logged in now: on a shared phone another login neither sends
  // nor sees them (they wait for their owner to log in again). all = [audits, photos].
  function mine(all, user) {
    if (!user) return;
    var owned = {};
    all[0] = all[0].filter(function (a) { var ok = !a.user || String(a.user) === String(user); owned[a.client_id] = ok; return ok; });
    all[1] = all[1].filter(function (p) { return owned[p.audit] !== false && (!p.user || String(p.user) === String(user)); });
  }

  function post(url, body, csrf) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrf || "" };
    if (typeof body === "string") headers["Content-Type"] = "application/json";
    return fetch(url, { method: "POST", headers: headers, body: body, credentials: "same-origin",
                        redirect: "manual" }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var data = type.indexOf("json") >= 0 ? response.json().catch(function () { return {}; }) : Promise.resolve({});
      return data.then(function (value) { return { status: response.status, ok: response.ok, data: value || {} }; });
    });
  }
  // Not an answer about the audit itself: the session, the form token, or the server being down.
  function stop(answer, result) {
    if (answer.status === 0 || answer.status === 401 || answer.status === 400) { result.login = true; return true; }
    if (answer.status >= 500 || answer.status === 429) { result.offline = true; return true; }
    return false;
  }
  function reason(answer) {
    return (answer.data.error && answer.data.error.message) || ("HTTP " + answer.status);
  }
  function refuse(item, answer, result) {
    var details = (answer.data.error && answer.data.error.details) || {};
    item.state = "refused";
    item.reason = reason(answer);
    item.submit = false;
    if (details.fill_url) item.fill_url = details.fill_url;
    result.refused++;
    return api.putAudit(item);
  }

  function sendAll() {
    var result = { sent: 0, refused: 0, offline: false, login: false };
    return Promise.all([api.getMeta("csrf"), api.audits(), api.photos(), api.getMeta("user")]).then(function (all) {
      var lists = [all[1], all[2]];
      mine(lists, all[3]);
      var csrf = all[0], items = lists[0], photos = lists[1], known = {};
      items.forEach(function (a) { known[a.client_id] = true; });
      // A photo whose audit left the queue (sent by another sender while the photo was being
      // stored) goes to that audit, found again by its client id.
      photos.forEach(function (p) {
        if (known[p.audit] || p.state === "refused") return;
        known[p.audit] = true;
        items.push({ client_id: p.audit, answers: {}, comments: {}, details: {}, submit: false, state: "waiting",
                      created: p.at, label: p.label, user: p.user });
      });
      var chain = Promise.resolve();
      items.filter(function (a) { return a.state !== "refused"; })
        .sort(function (a, b) { return a.created - b.created; })
        .forEach(function (item) {
          chain = chain.then(function () {
            if (result.offline || result.login) return null;
            var mine = photos.filter(function (p) { return p.audit === item.client_id && p.state !== "refused"; })
              .sort(function (a, b) { return a.at - b.at; });
            return sendOne(item, mine, csrf, result);
          });
        });
      return chain;
    }).then(function () { return result; }, function () { result.offline = true; return result; });
  }

  function sendOne(item, photos, csrf, result) {
    var body = { client_id: item.client_id, assignment_id: item.assignment_id || null,
                 scorecard_id: item.scorecard_id || null, branch_id: item.branch_id || null,
                 employee_id: item.employee_id || null, started_at: item.started_at,
                 answers: item.answers || {}, comments: item.comments || {}, details: item.details || {}, submit: false };
    if (item.audit_id) delete body.started_at;
    // The answers first: this also creates the audit from its client id (or finds it again).
    return post(REPLAY_URL, JSON.stringify(body), csrf).then(function (answer) {
      if (stop(answer, result)) return null;
      if (!answer.ok) return refuse(item, answer, result);
      Object.assign(item, { audit_id: answer.data.audit_id, fill_url: answer.data.fill_url,
                            view_url: answer.data.view_url, photos_url: answer.data.photos_url,
                            answers: {}, comments: {}, details: {} });
      return api.putAudit(item).then(function () { return sendPhotos(item, photos, csrf, result); })
        .then(function () {
          if (result.offline || result.login) return null;
          if (!item.submit) return finish(item, answer.data, result);
          // Then the submission: the server's checks apply now.
          return post(REPLAY_URL, JSON.stringify({ client_id: item.client_id, submit: true }), csrf)
            .then(function (submitted) {
              if (stop(submitted, result)) return null;
              if (!submitted.ok) return refuse(item, submitted, result);
              return finish(item, submitted.data, result);
            });
        });
    });
  }

  function sendPhotos(item, photos, csrf, result) {
    return photos.reduce(function (chain, photo) {
      return chain.then(function () {
        if (result.offline || result.login) return null;
        var form = new FormData();
        form.append("photo", photo.blob, photo.name || "photo.jpg");
        form.append("criterion", photo.criterion || "");
        form.append("photo_client_id", photo.id);
        form.append("csrf_token", csrf || "");
        return post(item.photos_url, form, csrf).then(function (answer) {
          if (answer.status === 200 || answer.status === 201) return api.deletePhoto(photo.id);
          if (stop(answer, result)) return null;
          // Too large, not a picture, or the audit can no longer change: shown, not sent again.
          photo.state = "refused";
          photo.reason = reason(answer);
          result.refused++;
          return api.putPhoto(photo);
        });
      });
    }, Promise.resolve());
  }

  function finish(item, data, result) {
    result.sent++;
    return api.setMeta("sent:" + item.client_id, { audit_id: data.audit_id, status: data.status,
                                                   fill_url: data.fill_url, view_url: data.view_url,
                                                   at: Date.now() })
      .then(function () { return api.deleteAudit(item.client_id); });
  }

  root.VerazOutbox = api;
})(self);
