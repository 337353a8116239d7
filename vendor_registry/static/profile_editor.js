/* Profile editor: add and remove requirement rows without reloading the page, and show the value
   picker that belongs to the chosen requirement kind.

   Without this script the form still works: "Lägg till krav" is a submit button that returns the
   form with one more row, and the "Ta bort" checkbox removes a row when the profile is saved.
   Rows are cloned from <template> elements the server rendered, so every label and option is
   the server's (translated) text. After each change the rows are renumbered 0..n-1, so the
   names requirements-<i>-… stay the contiguous indices WTForms' FieldList expects. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-profile-editor]");
  if (!form) { return; }
  var tbody = form.querySelector("tbody[data-rows]");
  var rowTemplate = document.getElementById("requirement-row-template");
  var addButton = form.querySelector("[data-add-row]");
  var status = form.querySelector("[data-editor-status]");
  var maxRows = parseInt(tbody.getAttribute("data-max-rows"), 10) || 40;
  var NAME = /requirements-(\d+|__index__)-/g;
  var ATTRS = ["id", "name", "for", "aria-describedby", "list"];

  function rows() {
    return Array.prototype.slice.call(tbody.querySelectorAll("tr[data-requirement-row]"));
  }

  function announce(template, n) {
    if (status && template) { status.textContent = template.replace("{n}", String(n)); }
  }

  function rename(root, index) {
    var nodes = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    nodes.forEach(function (node) {
      ATTRS.forEach(function (attr) {
        var value = node.getAttribute && node.getAttribute(attr);
        if (value && value.indexOf("requirements-") !== -1) {
          node.setAttribute(attr, value.replace(NAME, "requirements-" + index + "-"));
        }
      });
    });
  }

  function renumber() {
    rows().forEach(function (row, index) {
      rename(row, index);
      row.querySelectorAll("[data-row-number]").forEach(function (el) {
        if (!el.querySelector("[data-row-number]")) { el.textContent = String(index + 1); }
      });
    });
    addButton.disabled = rows().length >= maxRows;
  }

  function enhance(row) {
    var kind = row.querySelector("[data-kind-select]");
    var value = row.querySelector("[name$='-value']");
    if (kind && !kind.value && value && !value.value) { swapValue(row, ""); }
    var check = row.querySelector("[data-remove-check]");
    var button = row.querySelector("[data-remove-row]");
    // A row the user already ticked for removal (before a reload) keeps its checkbox.
    if (check && button && !check.querySelector("input").checked) {
      check.hidden = true;
      button.hidden = false;
    }
  }

  // A row without a kind gets a disabled "choose the kind first" list instead of the no-JS text box.
  function widgetFor(kind) {
    var template = form.querySelector('template[data-value-widget="' + (kind || "__none__") + '"]') ||
      form.querySelector('template[data-value-widget=""]');
    return template.content.firstElementChild.cloneNode(true);
  }

  function swapValue(row, kind) {
    var cell = row.querySelector("[data-value-cell]");
    var old = cell.querySelector("[name$='-value']");
    var widget = widgetFor(kind);
    var previous = old ? old.value : "";
    if (widget.tagName === "SELECT") {
      var keep = Array.prototype.some.call(widget.options, function (o) { return o.value === previous; });
      if (keep && previous) { widget.value = previous; }
    } else if (widget.type === "number" && /^\d+$/.test(previous)) {
      widget.value = previous;
    }
    cell.querySelectorAll("[data-row-error]").forEach(function (el) { el.remove(); });
    if (old) { old.replaceWith(widget); } else { cell.appendChild(widget); }
    var index = rows().indexOf(row);
    rename(widget, index);
  }

  function addRow() {
    var count = rows().length;
    if (count >= maxRows) { announce(form.getAttribute("data-msg-full"), maxRows); return; }
    var row = rowTemplate.content.firstElementChild.cloneNode(true);
    tbody.appendChild(row);
    enhance(row);
    renumber();
    row.querySelector("[data-kind-select]").focus();
    announce(form.getAttribute("data-msg-added"), count + 1);
  }

  function removeRow(row) {
    var all = rows();
    var next = all[all.indexOf(row) + 1] || all[all.indexOf(row) - 1];
    row.remove();
    if (!rows().length) { addRow(); next = rows()[0]; }
    renumber();
    (next ? next.querySelector("[data-kind-select]") : addButton).focus();
    announce(form.getAttribute("data-msg-removed"), rows().length);
  }

  tbody.addEventListener("change", function (event) {
    if (event.target.matches("[data-kind-select]")) {
      swapValue(event.target.closest("tr"), event.target.value);
    }
  });
  tbody.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (button) { removeRow(button.closest("tr")); }
  });
  addButton.addEventListener("click", function (event) {
    event.preventDefault();
    addRow();
  });

  rows().forEach(enhance);
  renumber();
  form.setAttribute("data-editor-ready", "");
}());
