/* The flag queue's bulk form works without JS: "Markera alla på sidan" is a link that reloads
 * the page with every row checked. With JS the same link checks the rows in place, a second
 * button clears them, and a live text says how many are selected. Served locally, no inline
 * script, so it works under a strict Content-Security-Policy. */
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var selectAll = document.getElementById("select-all");
  var selectNone = document.getElementById("select-none");
  var counter = document.getElementById("selected-count");

  function boxes() {
    return Array.prototype.slice.call(form.querySelectorAll("input.flag-select"));
  }

  function update() {
    var n = boxes().filter(function (box) { return box.checked; }).length;
    counter.textContent = n ? counter.getAttribute("data-template").replace("{n}", String(n)) : "";
    selectNone.hidden = n === 0;
  }

  function setAll(checked) {
    boxes().forEach(function (box) { box.checked = checked; });
    update();
  }

  selectAll.addEventListener("click", function (event) {
    event.preventDefault();
    setAll(true);
  });
  selectNone.addEventListener("click", function () { setAll(false); });
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("flag-select")) { update(); }
  });
  update();
}());
