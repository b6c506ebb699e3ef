// Progressive enhancement only: every step works without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });

  // Back of the document: not needed for passports.
  var type = document.getElementById("f-type");
  var back = document.querySelector("[data-back-of-document]");
  if (type && back) {
    var syncBack = function () { back.hidden = type.value === "passport"; };
    type.addEventListener("change", syncBack);
    syncBack();
  }

  // PEP details only when the answer is "yes".
  var pepDetails = document.querySelector("[data-pep-details]");
  if (pepDetails) {
    var radios = document.querySelectorAll("input[name=pep]");
    var syncPep = function () {
      var yes = document.querySelector("input[name=pep][value=yes]");
      pepDetails.hidden = !(yes && yes.checked);
    };
    radios.forEach(function (r) { r.addEventListener("change", syncPep); });
    syncPep();
  }

  // Camera hint: show the chosen selfie so the user can check it before continuing.
  var selfie = document.getElementById("f-selfie");
  var preview = document.getElementById("selfie-preview");
  if (selfie && preview && window.URL) {
    var showPreview = function () {
      if (selfie.files && selfie.files[0]) {
        preview.src = URL.createObjectURL(selfie.files[0]);
        preview.hidden = false;
      }
    };
    selfie.addEventListener("change", showPreview);
    showPreview();
  }

  // A second click on Submit while the first is on its way does nothing (the server is
  // idempotent anyway).
  document.querySelectorAll("button[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
