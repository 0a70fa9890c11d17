/* Roll-call: a tap records the status without reloading the page (and losing your place).
   Without this script the same forms post and come back to the row. */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) return;
  var approver = document.getElementById("approver");

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("form[data-roll] button") : null;
    if (!button || button.form.hasAttribute("data-plain")) return;
    event.preventDefault();
    var form = button.form;
    var body = new FormData(form);
    body.set("status", button.value);
    if (approver) body.set("excused_by", approver.value);
    var row = form.closest("li");
    row.classList.add("saving");
    fetch(form.action || window.location.pathname, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        row.classList.remove("saving");
        if (!result.ok) { window.alert(result.data.error); return; }
        var status = result.data.status;
        document.querySelectorAll("#person-" + result.data.person).forEach(function (same) {
          same.className = "roll-row status-" + status;
          same.querySelector(".roll-status").textContent = result.data.label;
          same.querySelectorAll("button").forEach(function (b) {
            b.setAttribute("aria-pressed", b.value === status ? "true" : "false");
          });
        });
        var came = document.getElementById("roll-came");
        if (came) came.textContent = result.data.counts.came;
      })
      .catch(function () {
        row.classList.remove("saving");
        form.setAttribute("data-plain", ""); // offline or failed: post the form plainly
        button.click();
      });
  });
  if (approver) {
    approver.addEventListener("change", function () {
      document.querySelectorAll("form[data-roll] input[name=excused_by]").forEach(function (input) {
        input.value = approver.value;
      });
    });
  }
})();
