// A running job's page: the bar, the percent and the time left follow the job every second;
// when it has ended the page reloads to show how (without this script the page reloads itself).
(function () {
  "use strict";
  var page = document.querySelector("[data-job-status]");
  if (!page) { return; }
  var bar = page.querySelector("progress");
  var percent = page.querySelector("[data-job-percent]");
  var left = page.querySelector("[data-job-left]");
  function timeLeft(seconds) {
    if (seconds === null || seconds === undefined) { return left.textContent; }
    if (seconds < 60) { return page.getAttribute("data-seconds-left").replace("{n}", seconds); }
    return page.getAttribute("data-minutes-left").replace("{n}", Math.ceil(seconds / 60));
  }
  function ask() {
    fetch(page.getAttribute("data-job-status"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && job.finished) { window.location.reload(); return; }
        if (job) {
          bar.value = job.percent;
          bar.textContent = job.percent + "%";
          percent.textContent = job.percent;
          left.textContent = timeLeft(job.seconds_left);
        }
        setTimeout(ask, 1000);
      })
      .catch(function () { setTimeout(ask, 3000); });  // the network comes back; the job went on meanwhile
  }
  setTimeout(ask, 1000);
})();
