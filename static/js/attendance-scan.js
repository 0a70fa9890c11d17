/* The organizer's scan page: read people's own QR codes with the camera where the browser
   can (BarcodeDetector, e.g. Chrome on Android), or send the typed number; no reloads. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var results = document.getElementById("scan-results");
  var scanner = document.getElementById("scanner");
  if (!form || !window.fetch) return;
  var api = scanner.getAttribute("data-api");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var input = form.querySelector("input[name=code]");
  var recent = {};

  function report(text, ok) {
    var item = document.createElement("li");
    item.className = ok ? "scan-ok" : "scan-bad";
    item.textContent = text;
    results.insertBefore(item, results.firstChild);
    while (results.children.length > 20) results.removeChild(results.lastChild);
  }

  function send(code) {
    var now = Date.now();
    if (recent[code] && now - recent[code] < 4000) return; // the camera sees a card many times
    recent[code] = now;
    fetch(api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ code: code })
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (result.ok) {
          report(result.data.person + " · " + result.data.status_label + (result.data.changed ? "" : " ✓"), true);
          if (navigator.vibrate) navigator.vibrate(80);
        } else {
          report(result.data.detail || String(result.data), false);
        }
      })
      .catch(function () { report(form.getAttribute("data-offline") || "…", false); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.value.trim()) send(input.value.trim());
    input.value = "";
    input.focus();
  });

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") < 0) return;
    scanner.hidden = false;
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var video = document.getElementById("scan-video");
    document.getElementById("scan-start").addEventListener("click", function (event) {
      event.target.hidden = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          return video.play();
        })
        .then(function tick() {
          detector.detect(video).then(function (codes) {
            codes.forEach(function (c) { if (c.rawValue) send(c.rawValue); });
          }).catch(function () {}).then(function () { window.setTimeout(tick, 300); });
        })
        .catch(function (error) {
          scanner.hidden = true;
          report(String(error && error.message || error), false);
        });
    });
  });
})();
