// The "party" filter of the lists is plain text (part of a name) and works without this script.
// With it, the names that match appear under the field while one types, asked of the portal's
// own suggestion address (only the parties of the pairs this organisation sees).
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var asked = null;
    function offer(names) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      names.forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        list.appendChild(option);
      });
    }
    function ask() {
      var typed = input.value.trim();
      if (typed === asked) { return; }
      asked = typed;
      var address = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(typed);
      fetch(address, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {names: []}; })
        .then(function (answer) { if (asked === typed) { offer(answer.names || []); } })
        .catch(function () { /* the field still filters as plain text */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("focus", ask);
  });
})();
