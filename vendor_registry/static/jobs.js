/* The jobs page follows its waiting and running runs without a reload: every two seconds it
 * asks /jobs/runs/status for the rows marked data-active and redraws their state, progress,
 * counters and reason from the server's (already translated) texts. Served locally, no inline
 * script, so it works under a strict Content-Security-Policy. */
(function () {
  "use strict";
  var holder = document.getElementById("jobs-status");
  if (!holder) { return; }
  var url = holder.getAttribute("data-url");
  var FIELDS = ["started_at", "finished_at", "progress", "counts"];

  function activeRows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-run-id][data-active]"));
  }

  function setText(row, field, value) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) { cell.textContent = value || (field === "progress" ? "" : "\u2013"); }
  }

  function redraw(row, run) {
    FIELDS.forEach(function (field) { setText(row, field, run[field]); });
    var badge = row.querySelector('[data-field="status_label"]');
    if (badge) { badge.className = "badge " + run.badge; badge.textContent = run.status_label; }
    var reason = row.querySelector('[data-field="reason"]');
    if (reason) {
      reason.textContent = "";
      if (run.reason) {
        var details = document.createElement("details");
        var summary = document.createElement("summary");
        var pre = document.createElement("pre");
        summary.textContent = run.reason_first_line;
        pre.className = "small mb-0";
        pre.textContent = run.reason;
        details.appendChild(summary);
        details.appendChild(pre);
        reason.appendChild(details);
      } else {
        reason.textContent = "\u2013";
      }
    }
    row.setAttribute("data-status", run.status);
    if (!run.active) { row.removeAttribute("data-active"); }
  }

  function poll() {
    var rows = activeRows();
    if (!rows.length) { return; }
    var ids = rows.map(function (row) { return row.getAttribute("data-run-id"); });
    fetch(url + "?ids=" + ids.join(","), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {runs: []}; })
      .then(function (data) {
        data.runs.forEach(function (run) {
          var row = document.querySelector('tr[data-run-id="' + run.id + '"]');
          if (row) { redraw(row, run); }
        });
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(poll, 2000); });
  }

  window.setTimeout(poll, 1000);
}());
