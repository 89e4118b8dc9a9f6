/* Paragraf's offline store (docs/offline.md), shared by the pages (static/offline/offline.js)
 * and the service worker (/sw.js, which is this file and static/offline/sw.js).
 *
 * One IndexedDB database, "paragraf-offline":
 *   keys:        {id: "aes", key}   an AES-GCM CryptoKey generated non-extractable
 *   responses:   {url, meeting, iv, data, type, size, stored_at}   data: ciphertext
 *   meetings:    {pk, title, saved_at, expires_at, bytes, urls}
 *   annotations: {id: "<meeting>/<document>/<client_id>", meeting, document, iv, data, pending}
 *                data: the annotation JSON, encrypted; pending: "upsert", "delete" or ""
 */
(function (scope) {
  "use strict";
  var DB_NAME = "paragraf-offline";
  var DB_VERSION = 1;
  var dbPromise = null;

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = scope.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("keys", {keyPath: "id"});
          db.createObjectStore("responses", {keyPath: "url"}).createIndex("meeting", "meeting");
          db.createObjectStore("meetings", {keyPath: "pk"});
          db.createObjectStore("annotations", {keyPath: "id"}).createIndex("document", ["meeting", "document"]);
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () { db.close(); dbPromise = null; };
          resolve(db);
        };
        request.onerror = function () { dbPromise = null; reject(request.error); };
        request.onblocked = function () { reject(new Error("blocked")); };
      });
    }
    return dbPromise;
  }

  function tx(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(storeName, mode);
        var result = Promise.resolve(work(transaction.objectStore(storeName)));
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function get(storeName, key) {
    return tx(storeName, "readonly", function (store) { return promised(store.get(key)); });
  }

  function put(storeName, value) {
    return tx(storeName, "readwrite", function (store) { store.put(value); });
  }

  function all(storeName, indexName, query) {
    return tx(storeName, "readonly", function (store) {
      var source = indexName ? store.index(indexName) : store;
      return promised(source.getAll(query));
    });
  }

  function remove(storeName, key) {
    return tx(storeName, "readwrite", function (store) { store.delete(key); });
  }

  var keyPromise = null;
  // The key: generated once, not extractable, kept in IndexedDB (the browser stores the key
  // object; script, this one included, can use it but never read its bytes).
  function key() {
    if (!keyPromise) {
      keyPromise = get("keys", "aes").then(function (found) {
        if (found) { return found.key; }
        return scope.crypto.subtle.generateKey({name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"])
          .then(function (generated) {
            return put("keys", {id: "aes", key: generated}).then(function () { return generated; });
          });
      });
      keyPromise.catch(function () { keyPromise = null; });
    }
    return keyPromise;
  }

  function encrypt(bytes) {
    return key().then(function (k) {
      var iv = scope.crypto.getRandomValues(new Uint8Array(12));
      return scope.crypto.subtle.encrypt({name: "AES-GCM", iv: iv}, k, bytes).then(function (data) {
        return {iv: iv, data: data};
      });
    });
  }

  function decrypt(record) {
    return key().then(function (k) {
      return scope.crypto.subtle.decrypt({name: "AES-GCM", iv: record.iv}, k, record.data);
    });
  }

  function encryptJSON(value) {
    return encrypt(new TextEncoder().encode(JSON.stringify(value)));
  }

  function decryptJSON(record) {
    return decrypt(record).then(function (bytes) { return JSON.parse(new TextDecoder().decode(bytes)); });
  }

  /* Store one response (its body encrypted) under its URL's path and query. */
  function putResponse(url, meeting, response) {
    var type = response.headers.get("Content-Type") || "application/octet-stream";
    return response.arrayBuffer().then(function (body) {
      return encrypt(body).then(function (sealed) {
        return put("responses", {
          url: url, meeting: meeting, iv: sealed.iv, data: sealed.data, type: type,
          size: body.byteLength, stored_at: new Date().toISOString()
        }).then(function () { return body.byteLength; });
      });
    });
  }

  /* The stored response for a path (and query), decrypted, or null. */
  function getResponse(url) {
    return get("responses", url).then(function (record) {
      if (!record) { return null; }
      return decrypt(record).then(function (body) {
        return new Response(body, {
          status: 200,
          headers: {"Content-Type": record.type, "X-Paragraf-Offline": "1"}
        });
      });
    });
  }

  function removeMeeting(pk) {
    return all("responses", "meeting", pk).then(function (records) {
      return tx("responses", "readwrite", function (store) {
        records.forEach(function (record) { store.delete(record.url); });
      });
    }).then(function () { return remove("meetings", pk); });
  }

  /* Remove every meeting whose copy has expired; answers the pks removed. */
  function purgeExpired(now) {
    now = now || Date.now();
    return all("meetings").then(function (meetings) {
      var expired = meetings.filter(function (m) { return Date.parse(m.expires_at) <= now; });
      return Promise.all(expired.map(function (m) { return removeMeeting(m.pk); })).then(function () {
        return expired.map(function (m) { return m.pk; });
      });
    });
  }

  function clearAll() {
    if (dbPromise) {
      dbPromise.then(function (db) { db.close(); }).catch(function () {});
    }
    dbPromise = null;
    keyPromise = null;
    return promised(scope.indexedDB.deleteDatabase(DB_NAME)).catch(function () {});
  }

  scope.ParagrafOfflineStore = {
    open: open, get: get, put: put, all: all, remove: remove,
    encryptJSON: encryptJSON, decryptJSON: decryptJSON,
    putResponse: putResponse, getResponse: getResponse,
    removeMeeting: removeMeeting, purgeExpired: purgeExpired, clearAll: clearAll
  };
})(self);
