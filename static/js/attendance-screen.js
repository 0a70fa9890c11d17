/* The organizer's screen: fetch the state every few seconds and redraw, without reloading.
   New QR code and numeric code as each 30-second window begins; arrivals; walk-ins. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root || !window.fetch) return;
  var POLL_MS = 5000;
  var api = root.getAttribute("data-api");
  var mode = root.getAttribute("data-show"); // "in", "out" or "auto"
  var resolveLabel = document.getElementById("resolve-label").innerHTML;
  var here = encodeURIComponent(window.location.pathname);

  function byId(id) { return document.getElementById(id); }
  function show(id, visible) { byId(id).hidden = !visible; }
  function li(parts) {
    var item = document.createElement("li");
    parts.forEach(function (part) {
      var node = document.createElement(part.href ? "a" : "span");
      node.textContent = part.text;
      if (part.className) node.className = part.className;
      if (part.href) node.href = part.href;
      item.appendChild(node);
      item.appendChild(document.createTextNode(" "));
    });
    return item;
  }
  function replace(list, items) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (item) { list.appendChild(item); });
  }

  function draw(state) {
    // By default the sign-out code takes over when sign-in closes.
    var out = mode === "out" || (mode === "auto" && !state.sign_in && !!state.sign_out);
    var shown = out ? state.sign_out : state.sign_in;
    var hint = byId("scan-hint");
    var label = byId("mode-label");
    hint.textContent = hint.getAttribute(out ? "data-out" : "data-in");
    label.textContent = label.getAttribute(out ? "data-out" : "data-in");
    root.querySelector(".screen-qr").classList.toggle("screen-out", out);
    var qr = byId("qr");
    if (shown && qr.getAttribute("data-url") !== shown.url) {
      qr.innerHTML = shown.qr_svg; // segno's SVG, made on our server
      qr.setAttribute("data-url", shown.url);
    }
    show("qr", !!shown);
    show("scan-hint", !!shown);
    show("code-box", !out && !!state.sign_in);
    if (state.sign_in) byId("code").textContent = state.sign_in.code.slice(0, 3) + " " + state.sign_in.code.slice(3);
    byId("screen-message").textContent = state.message;
    show("screen-message", !!state.message);
    byId("came").textContent = state.counts.came;
    byId("invited").textContent = state.counts.invited;
    byId("arrivals").setAttribute("start", state.counts.came);
    replace(byId("arrivals"), state.arrivals.map(function (a) {
      return li([
        { text: a.name, className: "arrival-name" },
        { text: a.village, className: "muted" },
        { text: a.time + (a.status === "late" ? " · " + a.status_label : ""), className: "arrival-time" }
      ]);
    }));
    show("no-arrivals", state.arrivals.length === 0);
    replace(byId("pending"), state.pending.map(function (p) {
      return li([
        { text: p.name + " · " + p.village + " · " + p.arrived },
        { text: resolveLabel, href: p.resolve_url + "?next=" + here }
      ]);
    }));
    show("pending-box", state.pending.length > 0);
    byId("rating-average").textContent = state.rating.average === null ? "–" : state.rating.average;
    byId("rating-responses").textContent = state.rating.responses;
    byId("rating-came").textContent = state.rating.came;
    show("rating", state.rating.responses > 0);
  }

  function poll() {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        root.classList.remove("offline");
        draw(state);
        // Come back when the code changes, or sooner for arrivals.
        later(Math.min(POLL_MS, state.refresh_in * 1000 + 300));
      })
      .catch(function () {
        root.classList.add("offline");
        later(POLL_MS);
      });
  }
  function later(ms) { window.setTimeout(poll, Math.max(ms, 300)); }

  later(Math.min(POLL_MS, Number(root.getAttribute("data-refresh") || 5) * 1000 + 300));
})();
