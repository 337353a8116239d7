/* "Skriv ut" buttons (data-print) open the browser's print dialog. A file, not an onclick
 * attribute, so the Content-Security-Policy needs no 'unsafe-inline' for scripts. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
