// The agreement list offers only agreements a contribution of the chosen type may fall under.
(function () {
  "use strict";
  document.querySelectorAll("form[data-contribution-form]").forEach(function (form) {
    var type = form.querySelector("select[name=type]");
    var agreement = form.querySelector("select[name=agreement]");
    if (!type || !agreement) { return; }
    function offerMatching() {
      Array.prototype.forEach.call(agreement.options, function (option) {
        var kinds = option.getAttribute("data-contribution-types");
        var fits = kinds === null || kinds.split(" ").indexOf(type.value) !== -1;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { agreement.value = "0"; }
      });
    }
    type.addEventListener("change", offerMatching);
    offerMatching();
  });
})();
