// A form sent back with errors: the first field in error gets the focus, so a screen reader reads its
// label and its message (tied to it by aria-describedby) at once, and a keyboard user starts there.
// A field's message goes once the field changes (another file chosen, a date corrected): a stale "Pilih
// sedikitnya satu berkas." never stays beside a file that is chosen now.
(function () {
  "use strict";
  var first = document.querySelector("main [aria-invalid=true], main .is-invalid");
  if (first && typeof first.focus === "function") { first.focus(); }

  function clear(field) {
    if (!field.classList || !field.classList.contains("is-invalid")) { return; }
    var id = field.id + "-error", message = document.getElementById(id);
    if (message) { message.remove(); }
    field.classList.remove("is-invalid");
    field.removeAttribute("aria-invalid");
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (one) {
      return one && one !== id;
    });
    if (described.length) { field.setAttribute("aria-describedby", described.join(" ")); }
    else { field.removeAttribute("aria-describedby"); }
  }
  ["change", "input", "mitrapas:clear-error"].forEach(function (kind) {
    document.addEventListener(kind, function (event) { clear(event.target); }, true);
  });
})();
