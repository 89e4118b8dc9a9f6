/* Reorder agenda items on the meeting's admin page: drag a row, or use the ↑ ↓ buttons.
   Each change renumbers the "order" inputs 1..n; saving the page persists the order. */
(function () {
  "use strict";

  function rows(tbody) {
    return Array.from(tbody.querySelectorAll("tr.form-row")).filter(function (row) {
      return !row.classList.contains("empty-form") && row.querySelector("input[name$='-order']");
    });
  }

  function renumber(tbody) {
    rows(tbody).forEach(function (row, index) {
      row.querySelector("input[name$='-order']").value = index + 1;
    });
  }

  function button(label, title, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "agenda-move";
    b.textContent = label;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("click", onClick);
    return b;
  }

  function announce(tbody, row) {
    var live = document.getElementById("agenda-order-status");
    var title = row.querySelector("input[name$='-title']");
    var order = row.querySelector("input[name$='-order']");
    if (live && title && order) {
      live.textContent = (title.value || "") + ": " + order.value;
    }
  }

  function setup(group) {
    var tbody = group.querySelector("tbody");
    if (!tbody || !tbody.querySelector("input[name$='-order']")) return;
    var live = document.createElement("p");
    live.id = "agenda-order-status";
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    group.appendChild(live);
    var labels = group.dataset;
    rows(tbody).forEach(function (row) {
      var cell = row.querySelector("td.field-order");
      if (!cell) return;
      row.draggable = true;
      var up = button("↑", labels.upLabel || "Move up", function () {
        var prev = row.previousElementSibling;
        while (prev && !prev.classList.contains("form-row")) prev = prev.previousElementSibling;
        if (prev) { tbody.insertBefore(row, prev); renumber(tbody); announce(tbody, row); up.focus(); }
      });
      var down = button("↓", labels.downLabel || "Move down", function () {
        var next = row.nextElementSibling;
        while (next && !next.classList.contains("form-row")) next = next.nextElementSibling;
        if (next && !next.classList.contains("empty-form")) {
          tbody.insertBefore(next, row); renumber(tbody); announce(tbody, row); down.focus();
        }
      });
      cell.appendChild(up);
      cell.appendChild(down);
      row.addEventListener("dragstart", function (event) {
        row.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
      });
      row.addEventListener("dragend", function () {
        row.classList.remove("dragging");
        renumber(tbody);
      });
      row.addEventListener("dragover", function (event) {
        event.preventDefault();
        var dragging = tbody.querySelector("tr.dragging");
        if (!dragging || dragging === row) return;
        var box = row.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        tbody.insertBefore(dragging, after ? row.nextSibling : row);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".js-agenda-order").forEach(setup);
  });
})();
