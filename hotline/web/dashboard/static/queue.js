// The queue page's own script: it fetches the list every few seconds (short polling: each
// request is answered at once, nothing is held open) and swaps it in, with the count in the
// tab's title. It waits while the pointer or the keyboard focus is in the list, or while an
// answer is being written, so that no card ever moves under the pointer. Without it, the page
// reloads itself (see queue.html).
(function () {
  "use strict";
  var list = document.getElementById("queue-list");
  if (!list || !window.fetch) return;
  var every = (parseInt(list.getAttribute("data-refresh"), 10) || 20) * 1000;
  var status = document.getElementById("queue-status");
  var heading = document.getElementById("queue-heading");
  var waiting = null;

  function busy() {
    if (list.matches(":hover") || list.contains(document.activeElement)) return true;
    var fields = list.querySelectorAll("textarea, input");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if ((f.type === "radio" && f.checked) || (f.type !== "hidden" && f.type !== "radio" && f.value)) {
        return true;
      }
    }
    return false;
  }

  function show(html) {
    list.innerHTML = html;
    waiting = null;
    var figures = list.querySelector("[data-title]");
    if (figures) {
      document.title = figures.getAttribute("data-title");
      if (heading) heading.textContent = figures.getAttribute("data-heading");
    }
    if (status) status.textContent = "Updated at " + new Date().toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"}) + ".";
  }

  function offer(html) {
    if (!busy()) {
      show(html);
      return;
    }
    waiting = html;
    if (status) status.textContent = "Changes are waiting until the pointer leaves the list.";
  }

  function fetchList() {
    var url = new URL(window.location.href);
    url.hash = "";
    url.searchParams.set("auto", "1");
    url.searchParams.set("part", "list");
    return fetch(url.toString(), {credentials: "same-origin", redirect: "manual"})
      .then(function (response) {
        if (response.status !== 200) {  // logged out, or the session ended: show why
          window.location.reload();
          return;
        }
        return response.text().then(offer);
      })
      .catch(function () {
        if (status) status.textContent = "Could not update; trying again soon.";
      });
  }

  function tick() {
    fetchList().then(function () { window.setTimeout(tick, every); });
  }

  list.addEventListener("mouseleave", function () {
    if (waiting !== null && !busy()) show(waiting);
  });
  list.addEventListener("focusout", function () {
    window.setTimeout(function () { if (waiting !== null && !busy()) show(waiting); }, 0);
  });
  window.setTimeout(tick, every);
})();
