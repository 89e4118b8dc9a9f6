/* The workspace's attendance grid: "Alla närvarande" without a reload, and the quorum per §
   recounted as the checkboxes change (the saved figure, computed by the server, is the truth).
   A ledamot present serves; an ersättare serves when "tjänstgör" is checked or "tjänstgör för"
   is chosen; each person serves in the §§ from their "från §" to their "till §"; a member
   with jäv in a § leaves it and the ersättare recorded on the jäv serves instead. */
(function () {
  "use strict";
  var form = document.getElementById("attendance-grid");
  if (!form) return;
  var quorum = document.querySelector(".ws-att-quorum");
  var seats = quorum ? parseInt(quorum.getAttribute("data-seats"), 10) || 0 : 0;
  var chips = Array.prototype.slice.call(document.querySelectorAll(".ws-att-chip"));
  var live = document.getElementById("quorum-live");
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr.ws-att-row"));
  var order = {};
  chips.forEach(function (chip) { order[chip.getAttribute("data-pk")] = parseInt(chip.getAttribute("data-order"), 10); });
  var lang = document.documentElement.lang || "sv";
  var sv = lang.indexOf("sv") === 0;
  var T = sv
    ? { ok: "beslutför", no: "ej beslutför", none: "Med ändringarna är alla §§ beslutföra.", without: "Med ändringarna saknas beslutförhet i: ", marked: "Alla är markerade som närvarande. Avmarkera de frånvarande och spara." }
    : { ok: "quorate", no: "not quorate", none: "With the changes every § is quorate.", without: "With the changes there is no quorum in: ", marked: "Everyone is marked present. Uncheck those who were absent, then save." };

  function field(row, name) { return row.querySelector(".grid-" + name); }

  function state(row) {
    var present = field(row, "present");
    var capacity = row.getAttribute("data-capacity");
    var isPresent = present && present.checked;
    var serving = false;
    if (isPresent && capacity === "ledamot") serving = true;
    if (isPresent && capacity === "ersattare") {
      var s = field(row, "serving"), r = field(row, "replaces");
      serving = (s && s.checked) || (r && r.value !== "");
    }
    var from = field(row, "from_paragraph"), to = field(row, "to_paragraph");
    return {
      person: row.getAttribute("data-person"),
      present: isPresent,
      serving: serving,
      low: from && from.value ? order[from.value] : -Infinity,
      high: to && to.value ? order[to.value] : Infinity
    };
  }

  var first = true;
  function recount() {
    var states = rows.map(state);
    var present = states.filter(function (s) { return s.present; }).length;
    var servingAll = states.filter(function (s) { return s.serving; }).length;
    var pc = document.getElementById("present-count"), sc = document.getElementById("serving-count");
    if (pc) pc.textContent = present;
    if (sc) sc.textContent = servingAll;
    rows.forEach(function (row, i) {
      row.classList.toggle("is-present", states[i].present);
      var text = row.querySelector(".ws-att-serving-text");
      if (text) text.textContent = text.getAttribute(states[i].serving ? "data-yes" : "data-no");
    });
    var without = [];
    chips.forEach(function (chip) {
      var at = parseInt(chip.getAttribute("data-order"), 10);
      var out = (chip.getAttribute("data-jav-out") || "").split(" ").filter(Boolean);
      var inn = (chip.getAttribute("data-jav-in") || "").split(" ").filter(Boolean);
      var people = {};
      states.forEach(function (s) {
        if (s.serving && s.low <= at && at <= s.high && out.indexOf(s.person) < 0) people[s.person] = true;
      });
      inn.forEach(function (p) { people[p] = true; });
      var n = Object.keys(people).length;
      var ok = seats > 0 && n * 2 > seats;
      var count = chip.querySelector(".q-serving");
      if (!first && count.textContent !== String(n)) chip.classList.add("is-changed");
      count.textContent = n;
      chip.querySelector(".q-state").textContent = ok ? T.ok : T.no;
      chip.classList.toggle("is-without", !ok);
      if (!ok) without.push(chip.getAttribute("data-label"));
    });
    if (live && !first) live.textContent = chips.length ? (without.length ? T.without + without.join(", ") : T.none) : "";
    first = false;
  }

  form.addEventListener("change", function (event) {
    var row = event.target.closest("tr.ws-att-row");
    if (row && event.target.classList.contains("grid-replaces") && event.target.value) {
      var s = field(row, "serving");
      if (s) s.checked = true;
    }
    recount();
  });

  var all = form.querySelector("[data-all-present]");
  if (all) {
    all.addEventListener("click", function (event) {
      event.preventDefault();
      rows.forEach(function (row) { var p = field(row, "present"); if (p && !p.disabled) p.checked = true; });
      recount();
      if (live) live.textContent = T.marked + " " + live.textContent;
    });
  }
  recount();
})();
