/* Behaviour every page of the site shares, kept out of the markup: the Content-Security-Policy
   (lms/csp.py) runs no inline event handlers (onclick=, onchange=).
   - <select data-submit-on-change>: choosing an option sends its form (the language).
   - <button data-print>: prints the page (sign-in cards, one's own code). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-submit-on-change]") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
