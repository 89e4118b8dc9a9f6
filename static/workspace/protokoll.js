/* Writing the protokoll (workspace): each § saves itself shortly after typing stops.
 * Without this file every § has its own Save button (a normal form POST).
 * - textareas marked data-richtext become a small editor (bold, italic, lists) whose HTML is
 *   kept in the textarea; the server sanitises whatever arrives;
 * - a § form is posted with fetch (Accept: application/json) 1.5 s after the last change;
 *   the answer gives the new version (optimistic locking) and the time saved;
 * - on a conflict (someone else saved the §) autosave stops for that §, both versions are
 *   shown, and nothing is lost: the secretary's text stays in the form until she saves it.
 */
(function () {
  "use strict";
  var DELAY = 1500;
  var ALLOWED = { P: 1, BR: 1, STRONG: 1, B: 1, EM: 1, I: 1, UL: 1, OL: 1, LI: 1 };

  function clean(html) {
    // Keep only the protokoll's rich text (as the server's sanitiser does); no attributes.
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    function walk(node) {
      Array.prototype.slice.call(node.childNodes).forEach(function (child) {
        if (child.nodeType === 1) {
          walk(child);
          if (!ALLOWED[child.tagName]) {
            if (child.tagName === "SCRIPT" || child.tagName === "STYLE") { child.remove(); return; }
            while (child.firstChild) { node.insertBefore(child.firstChild, child); }
            child.remove();
          } else {
            Array.prototype.slice.call(child.attributes).forEach(function (a) { child.removeAttribute(a.name); });
          }
        } else if (child.nodeType !== 3) {
          child.remove();
        }
      });
    }
    walk(doc.body);
    return doc.body.innerHTML;
  }

  function looksLikeHtml(text) { return /<[a-zA-Z\/][^>]*>/.test(text); }

  function textToHtml(text) {
    var div = document.createElement("div");
    return text.split(/\n\s*\n/).filter(function (b) { return b.trim(); }).map(function (b) {
      div.textContent = b.trim();
      return "<p>" + div.innerHTML.replace(/\n/g, "<br>") + "</p>";
    }).join("");
  }

  function makeEditor(textarea, onChange, msg) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label && !label.id) { label.id = textarea.id + "-label"; }
    var wrap = document.createElement("div");
    wrap.className = "pk-editor";
    var bar = document.createElement("div");
    bar.className = "pk-editor__bar";
    bar.setAttribute("role", "toolbar");
    if (label) { bar.setAttribute("aria-label", label.textContent.trim()); }
    var editor = document.createElement("div");
    editor.className = "pk-editor__text";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.id = textarea.id + "-editor";
    if (label) { editor.setAttribute("aria-labelledby", label.id); label.htmlFor = editor.id; }
    var value = textarea.value;
    editor.innerHTML = clean(looksLikeHtml(value) ? value : textToHtml(value));
    [["bold", "B", msg("bold")], ["italic", "I", msg("italic")], ["insertUnorderedList", "•", msg("bullets")],
     ["insertOrderedList", "1.", msg("numbers")]].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pk-editor__button pk-editor__button--" + b[0];
      button.textContent = b[1];
      button.title = b[2];
      button.setAttribute("aria-label", b[2]);
      button.addEventListener("mousedown", function (e) { e.preventDefault(); });
      button.addEventListener("click", function () {
        editor.focus();
        document.execCommand(b[0], false, null);
        sync();
      });
      bar.appendChild(button);
    });
    function sync() {
      var html = clean(editor.innerHTML);
      if (!editor.textContent.trim()) { html = ""; }
      if (textarea.value !== html) { textarea.value = html; onChange(); }
    }
    editor.addEventListener("input", sync);
    editor.addEventListener("blur", sync);
    label && label.addEventListener("click", function () { editor.focus(); });
    wrap.appendChild(bar);
    wrap.appendChild(editor);
    textarea.hidden = true;
    textarea.parentNode.insertBefore(wrap, textarea.nextSibling);
    return sync;
  }

  function setupForm(form) {
    var status = form.querySelector(".pk-status");
    var slot = form.querySelector(".pk-conflict-slot");
    var version = form.querySelector('input[name$="loaded_version"]');
    var timer = null, saving = false, dirty = false, conflicted = false;
    var msg = function (key) { return form.getAttribute("data-msg-" + key) || ""; };
    var show = function (text, kind) {
      status.textContent = text;
      status.className = "pk-status" + (kind ? " pk-status--" + kind : "");
    };
    if (form.parentNode.querySelector(".pk-conflict")) { conflicted = true; }

    function changed() {
      dirty = true;
      show(msg("unsaved"), "unsaved");
      if (conflicted) { return; }  // after a conflict only an explicit Save writes
      clearTimeout(timer);
      timer = setTimeout(save, DELAY);
    }
    var syncs = Array.prototype.map.call(form.querySelectorAll("textarea[data-richtext]"), function (t) {
      return makeEditor(t, changed, msg);
    });
    form.addEventListener("input", function (e) {
      if (e.target.matches("input, textarea, select")) { changed(); }
    });
    form.addEventListener("change", function (e) {
      if (e.target.type === "checkbox") { changed(); }
    });

    function save() {
      clearTimeout(timer);
      if (saving) { timer = setTimeout(save, DELAY); return; }
      syncs.forEach(function (s) { s(); });
      var data = new FormData(form);
      data.set("action", "save");
      saving = true;
      dirty = false;
      show(msg("saving"), "saving");
      fetch(form.getAttribute("action"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      }).then(function (result) {
        saving = false;
        var body = result.body;
        if (body.ok) {
          version.value = body.version;
          conflicted = false;
          slot.innerHTML = "";
          var old = form.parentNode.querySelector(":scope > .pk-conflict");
          if (old) { old.remove(); }
          if (dirty) { changed(); } else { show(msg("saved") + " " + body.saved_at, "saved"); }
        } else if (body.conflict) {
          conflicted = true;
          dirty = true;
          if (body.version) { version.value = body.version; }
          slot.innerHTML = body.html;  // rendered and sanitised by the server
          show(msg("conflict"), "error");
        } else {
          dirty = true;
          var errors = [];
          Object.keys(body.errors || {}).forEach(function (k) {
            body.errors[k].forEach(function (e) { errors.push(e.message); });
          });
          show(msg("error") + " " + errors.join(" "), "error");
        }
      }).catch(function () {
        saving = false;
        dirty = true;
        show(msg("offline"), "error");
        timer = setTimeout(save, DELAY * 4);
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      conflicted = false;  // an explicit Save replaces the saved text knowingly
      save();
    });
    window.addEventListener("beforeunload", function (e) {
      if (dirty || saving) { e.preventDefault(); e.returnValue = ""; }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), setupForm);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
