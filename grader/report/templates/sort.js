(function () {
  "use strict";
  var table = document.getElementById("submissions");
  if (!table || !table.tHead || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  function key(row, column, numeric) {
    var cell = row.cells[column];
    var raw = cell ? (cell.getAttribute("data-sort") || cell.textContent || "") : "";
    return numeric ? parseFloat(raw) || 0 : raw.toLowerCase();
  }
  function sortBy(column, numeric, descending) {
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, column, numeric), y = key(b, column, numeric);
      var order = numeric ? x - y : (x < y ? -1 : x > y ? 1 : 0);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(heads, function (th, i) {
      if (th.hasAttribute("data-type")) {
        th.setAttribute("aria-sort", i === column ? (descending ? "descending" : "ascending") : "none");
      }
    });
  }
  Array.prototype.forEach.call(heads, function (th, column) {
    var type = th.getAttribute("data-type");
    var button = th.querySelector("button");
    if (!type || !button) { return; }
    th.setAttribute("aria-sort", th.hasAttribute("data-initial") ? "ascending" : "none");
    button.disabled = false;
    button.addEventListener("click", function () {
      var numeric = type === "number";
      var current = th.getAttribute("aria-sort");
      var descending = current === "none" ? numeric : current === "ascending";
      sortBy(column, numeric, descending);
    });
  });
  table.classList.add("sortable-ready");
  // The filter box: rows whose submission, status or flags hold every word typed stay shown.
  var input = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  if (!input) { return; }
  input.parentNode.hidden = false;
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var text = (row.getAttribute("data-submission") + " " + row.textContent).toLowerCase();
      var keep = words.every(function (word) { return text.indexOf(word) >= 0; });
      row.hidden = !keep;
      shown += keep ? 1 : 0;
    });
    count.textContent = words.length ? shown + " of " + body.rows.length + " shown" : "";
  });
})();
