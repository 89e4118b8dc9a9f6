/* Offline reading on the members' pages (docs/offline.md). Needs static/offline/store.js.
 *
 * window.ParagrafOffline:
 *   save(meetingPk)             store the meeting (its offline.json) encrypted; answers the record
 *   removeMeeting(meetingPk)    remove its copy
 *   status(meetingPk)           {pk, title, saved_at, expires_at, bytes, urls} or undefined
 *   queueAnnotation(meetingPk, documentPk, annotation)  upsert locally, queue for the server
 *   deleteAnnotation(meetingPk, documentPk, clientId)   delete locally, queue for the server
 *   annotations(meetingPk, documentPk)  the server's (when online) merged with pending ones
 *   flush()                     send the queued changes (also on "online" and at page load)
 *   clearAll()                  drop everything stored (at logout)
 */
(function () {
  "use strict";
  var store = window.ParagrafOfflineStore;
  if (!store || !window.indexedDB || !window.crypto || !window.crypto.subtle) { return; }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    var carrier = document.querySelector("[data-csrf]");
    if (!input && carrier) { return carrier.dataset.csrf; }
    return input ? input.value : "";
  }

  function annotationsUrl(m, d, clientId) {
    return "/mina-sammantraden/" + m + "/handlingar/" + d + "/anteckningar/" + (clientId ? encodeURIComponent(clientId) + "/" : "");
  }

  function save(pk) {
    return fetch("/mina-sammantraden/" + pk + "/offline.json", {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error("offline.json " + r.status); }
      return r.json();
    }).then(function (manifest) {
      var bytes = 0;
      var stored = [];
      function one(url, optional) {
        return fetch(url, {credentials: "same-origin", headers: {"X-Paragraf-Save": "1"}}).then(function (r) {
          if (!r.ok) {
            if (optional || r.status === 404) { return; }
            throw new Error(url + " " + r.status);
          }
          return store.putResponse(url, pk, r).then(function (size) { bytes += size; stored.push(url); });
        });
      }
      var urls = manifest.urls.map(function (u) { return one(u, false); })
        .concat((manifest.optional || []).map(function (u) { return one(u, true).catch(function () {}); }));
      return Promise.all(urls).then(function () {
        var record = {pk: pk, title: manifest.title, saved_at: new Date().toISOString(),
          expires_at: manifest.expires_at, bytes: bytes, urls: stored};
        return store.put("meetings", record).then(function () { return record; });
      });
    });
  }

  function status(pk) { return store.get("meetings", pk); }

  function annotationId(m, d, clientId) { return m + "/" + d + "/" + clientId; }

  function putAnnotation(m, d, annotation, pending) {
    return store.encryptJSON(annotation).then(function (sealed) {
      return store.put("annotations", {id: annotationId(m, d, annotation.client_id), meeting: m, document: d,
        iv: sealed.iv, data: sealed.data, pending: pending});
    });
  }

  function queueAnnotation(m, d, annotation) {
    var copy = Object.assign({}, annotation);
    copy.updated_at = copy.updated_at || new Date().toISOString();
    return putAnnotation(m, d, copy, "upsert").then(function () {
      if (navigator.onLine) { flush(); }
      return copy;
    });
  }

  function deleteAnnotation(m, d, clientId) {
    return putAnnotation(m, d, {client_id: clientId, updated_at: new Date().toISOString()}, "delete").then(function () {
      if (navigator.onLine) { flush(); }
    });
  }

  function local(m, d) {
    return store.all("annotations", "document", [m, d]).then(function (records) {
      return Promise.all(records.map(function (record) {
        return store.decryptJSON(record).then(function (a) { return {record: record, annotation: a}; });
      }));
    });
  }

  function annotations(m, d) {
    var fromServer = navigator.onLine
      ? fetch(annotationsUrl(m, d), {credentials: "same-origin"}).then(function (r) {
        return r.ok ? r.json() : null;
      }).catch(function () { return null; })
      : Promise.resolve(null);
    return Promise.all([fromServer, local(m, d)]).then(function (both) {
      var byId = {};
      var pending = {};
      both[1].forEach(function (entry) {
        if (entry.record.pending) { pending[entry.annotation.client_id] = entry; }
        else if (!both[0]) { byId[entry.annotation.client_id] = entry.annotation; }
      });
      var known = both[0] ? both[0].annotations || [] : [];
      var saving = known.map(function (a) { byId[a.client_id] = a; return putAnnotation(m, d, a, ""); });
      Object.keys(pending).forEach(function (id) {
        var entry = pending[id];
        var server = byId[id];
        if (server && server.updated_at > entry.annotation.updated_at) { return; }
        if (entry.record.pending === "delete") { delete byId[id]; } else { byId[id] = entry.annotation; }
      });
      return Promise.all(saving).catch(function () {}).then(function () {
        return Object.keys(byId).map(function (id) { return byId[id]; });
      });
    });
  }

  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    flushing = store.all("annotations").then(function (records) {
      var queued = records.filter(function (r) { return r.pending; });
      return queued.reduce(function (chain, record) {
        return chain.then(function () {
          return store.decryptJSON(record).then(function (a) {
            var isDelete = record.pending === "delete";
            return fetch(annotationsUrl(record.meeting, record.document, isDelete ? a.client_id : ""), {
              method: isDelete ? "DELETE" : "POST",
              credentials: "same-origin",
              headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
              body: isDelete ? undefined : JSON.stringify(a)
            }).then(function (r) {
              if (!r.ok && !(isDelete && r.status === 404)) { return; }  // kept, sent again later
              return isDelete ? store.remove("annotations", record.id) : putAnnotation(record.meeting, record.document, a, "");
            }).catch(function () {});
          });
        });
      }, Promise.resolve());
    }).finally(function () { flushing = null; });
    return flushing;
  }

  function clearAll() {
    var unregister = navigator.serviceWorker
      ? navigator.serviceWorker.getRegistrations().then(function (regs) {
        return Promise.all(regs.map(function (reg) { return reg.unregister(); }));
      }).catch(function () {})
      : Promise.resolve();
    return Promise.all([store.clearAll(), unregister]);
  }

  window.ParagrafOffline = {
    save: save, removeMeeting: store.removeMeeting, status: status,
    queueAnnotation: queueAnnotation, deleteAnnotation: deleteAnnotation, annotations: annotations,
    flush: flush, clearAll: clearAll
  };

  // --- The page -------------------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", {scope: "/mina-sammantraden/"}).catch(function () {});
  }
  store.purgeExpired().catch(function () {}).then(function () { return navigator.onLine ? flush() : null; });
  window.addEventListener("online", function () { flush(); });

  var logout = document.querySelector("form.logout");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.cleared) { return; }
      event.preventDefault();
      var done = function () { logout.dataset.cleared = "1"; logout.submit(); };
      Promise.race([clearAll(), new Promise(function (resolve) { setTimeout(resolve, 2000); })]).then(done, done);
    });
  }

  var panel = document.querySelector("[data-offline-meeting]");
  if (!panel) { return; }
  var pk = parseInt(panel.dataset.offlineMeeting, 10);
  var saveButton = panel.querySelector("[data-offline-save]");
  var removeButton = panel.querySelector("[data-offline-remove]");
  var statusLine = panel.querySelector("[data-offline-status]");
  var banner = document.querySelector("[data-offline-banner]");
  var text = panel.dataset;

  function size(bytes) {
    return bytes > 1048576 ? (bytes / 1048576).toFixed(1).replace(".", ",") + " MB" : Math.max(1, Math.round(bytes / 1024)) + " kB";
  }
  function when(iso) {
    return new Date(iso).toLocaleString(document.documentElement.lang || "sv", {dateStyle: "medium", timeStyle: "short"});
  }
  function show(record) {
    saveButton.hidden = false;
    removeButton.hidden = !record;
    statusLine.textContent = record
      ? text.savedText.replace("{size}", size(record.bytes)).replace("{when}", when(record.saved_at)).replace("{expires}", when(record.expires_at))
      : text.notSavedText;
    if (banner) { banner.hidden = !(record && !navigator.onLine); }
  }
  panel.hidden = false;
  status(pk).then(show, function () { show(null); });
  saveButton.addEventListener("click", function () {
    saveButton.disabled = true;
    statusLine.textContent = text.savingText;
    save(pk).then(show, function () { statusLine.textContent = text.failedText; }).finally(function () { saveButton.disabled = false; });
  });
  removeButton.addEventListener("click", function () {
    store.removeMeeting(pk).then(function () { show(null); });
  });
})();
