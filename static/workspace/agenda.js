/* The agenda builder (workspace:agenda): drag an item to a new place (saved at once with the
   "reorder" action), drop files on an item's drop zone to upload them, and look up ärenden while
   typing a diarienummer. Without JS the page works with its ↑ ↓ buttons and forms. */
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("#agenda-csrf input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    var live = document.getElementById("agenda-status");
    if (live) live.textContent = text;
  }

  function setupDrag(root) {
    var list = document.getElementById("agenda-list");
    if (!list) return;
    var dragging = null;
    list.querySelectorAll(".ag-item[draggable=true]").forEach(function (item) {
      item.addEventListener("dragstart", function (event) {
        if (event.target !== item) return;
        dragging = item;
        item.classList.add("ag-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.itemId);
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("ag-dragging");
        if (dragging) save(root, list);
        dragging = null;
      });
      item.addEventListener("dragover", function (event) {
        if (!dragging || dragging === item) return;
        event.preventDefault();
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragging, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) {
        if (dragging) event.preventDefault();
      });
    });
  }

  function save(root, list) {
    var ids = Array.from(list.querySelectorAll(".ag-item")).map(function (item) {
      return item.dataset.itemId;
    });
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    body.append("action", "reorder");
    body.append("order", ids.join(","));
    root.classList.add("ag-saving");
    fetch(root.dataset.reorderUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        announce(answer.ok ? root.dataset.savedLabel : answer.message);
        window.location.reload();
      })
      .catch(function () { window.location.reload(); });
  }

  function setupDrop(form) {
    var zone = form.querySelector(".ag-drop");
    var input = form.querySelector("input[type=file]");
    if (!zone || !input) return;
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        if (!event.dataTransfer || Array.from(event.dataTransfer.types).indexOf("Files") < 0) return;
        event.preventDefault();
        event.stopPropagation();
        zone.classList.add("ag-drop--over");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("ag-drop--over"); });
    zone.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      event.stopPropagation();
      zone.classList.remove("ag-drop--over");
      input.files = event.dataTransfer.files;
      form.submit();
    });
  }

  function setupLookup(root) {
    var datalist = document.getElementById("agenda-cases");
    if (!datalist) return;
    var timer = null;
    document.querySelectorAll("input[list=agenda-cases]").forEach(function (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        var q = input.value.trim();
        if (q.length < 2) return;
        timer = setTimeout(function () {
          fetch(root.dataset.casesUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
            .then(function (response) { return response.json(); })
            .then(function (answer) {
              datalist.textContent = "";
              answer.cases.forEach(function (found) {
                var option = document.createElement("option");
                option.value = found.diarienummer;
                option.textContent = found.diarienummer + " " + found.title;
                datalist.appendChild(option);
              });
            });
        }, 200);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("agenda");
    if (!root) return;
    root.classList.add("ag--js");
    setupDrag(root);
    document.querySelectorAll(".ag-upload").forEach(setupDrop);
    setupLookup(root);
  });
})();
