// The agreement list offers only agreements a contribution of the chosen type may fall under, on its date. When
// exactly one fits, it is chosen (one must be, while one is in force); a choice the person made stays theirs.
(function () {
  "use strict";
  document.querySelectorAll("form[data-contribution-form]").forEach(function (form) {
    var type = form.querySelector("select[name=type]");
    var agreement = form.querySelector("select[name=agreement]");
    var day = form.querySelector("input[name=started_on]");
    if (!type || !agreement) { return; }
    var chosenByHand = agreement.value !== "0";
    function fitsType(option) {
      var kinds = option.getAttribute("data-contribution-types");
      return kinds === null || kinds.split(" ").indexOf(type.value) !== -1;
    }
    function inForce(option) {
      var from = option.getAttribute("data-from"), until = option.getAttribute("data-until");
      return !day || !day.value || !from || (from <= day.value && day.value <= until);
    }
    function offerMatching() {
      var fitting = [];
      Array.prototype.forEach.call(agreement.options, function (option) {
        var fits = fitsType(option);
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { agreement.value = "0"; chosenByHand = false; }
        if (fits && option.value !== "0" && inForce(option)) { fitting.push(option); }
      });
      if (!chosenByHand) { agreement.value = fitting.length === 1 ? fitting[0].value : "0"; }
    }
    agreement.addEventListener("change", function () { chosenByHand = true; });
    type.addEventListener("change", offerMatching);
    if (day) { day.addEventListener("input", offerMatching); day.addEventListener("change", offerMatching); }
    offerMatching();
  });
})();
