// Progressive enhancement only: the filter form submits itself when a select changes.
// Without JavaScript the 筛选 button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  if (!form) { return; }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.tagName === "SELECT") { form.submit(); }
  });
})();
