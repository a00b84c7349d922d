// A form sent back with errors: the first field in error gets the focus, so a screen reader reads its
// label and its message (tied to it by aria-describedby) at once, and a keyboard user starts there.
(function () {
  "use strict";
  var first = document.querySelector("main [aria-invalid=true], main .is-invalid");
  if (first && typeof first.focus === "function") { first.focus(); }
})();
