// Shows upload progress for forms marked data-upload-progress; without JavaScript the form posts as usual.
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var box = form.querySelector("[data-progress]");
      var bar = form.querySelector("[data-progress-bar]");
      var button = form.querySelector("[type=submit]");
      box.classList.remove("d-none");
      button.disabled = true;
      var request = new XMLHttpRequest();
      request.open(form.method || "POST", form.action || window.location.href);
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) {
          var percent = Math.round(progress.loaded * 100 / progress.total);
          bar.style.width = percent + "%";
          bar.textContent = percent + "%";
        }
      });
      request.addEventListener("load", function () {
        // The server answered with the next page (after its redirect): show it as the browser would.
        document.open();
        document.write(request.responseText);
        document.close();
        window.history.replaceState(null, "", request.responseURL);
      });
      request.addEventListener("error", function () {
        button.disabled = false;
        box.classList.add("d-none");
        form.submit();
      });
      request.send(new FormData(form));
    });
  });
})();
