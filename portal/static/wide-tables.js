// On a narrow screen a wide table scrolls inside its own area (its first column stays in view, app.css).
// This says so: a line above it, and the area becomes a named region a keyboard can scroll.
(function () {
  "use strict";
  var hint = document.body.getAttribute("data-wide-table-hint");
  if (!hint) { return; }
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (area) {
      var wide = area.scrollWidth > area.clientWidth + 1;
      var note = area.previousElementSibling;
      var noted = note && note.classList.contains("wide-table-hint");
      if (wide && !noted) {
        note = document.createElement("p");
        note.className = "wide-table-hint small text-muted mb-1";
        note.textContent = hint;
        area.parentNode.insertBefore(note, area);
        area.setAttribute("role", "region");
        area.setAttribute("tabindex", "0");
        area.setAttribute("aria-label", hint);
      } else if (!wide && noted) {
        note.remove();
        area.removeAttribute("role");
        area.removeAttribute("tabindex");
        area.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
