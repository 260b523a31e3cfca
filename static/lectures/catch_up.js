/* A course page or the menu opened while a lesson's last heartbeats are still queued in this
 * browser (the member went back before they were answered; the beacon on leaving may lose the
 * race with this page's request): send them, and once they were taken fetch this page again and
 * put its new <main> in place (not a reload: the member may already be tapping on), so it does
 * not say 未学习 for what was just studied. */
(function () {
  "use strict";
  function run() {
    var progress = window.DiankeProgress;
    if (!progress) return;
    var before = Object.keys(progress.pending() || {}).length;
    if (!before) return;
    progress.flush().then(function () {
      if (Object.keys(progress.pending() || {}).length >= before || !window.DOMParser) return;
      return window.fetch(window.location.href, {credentials: "same-origin"}).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        var fresh = html && new window.DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main) main.innerHTML = fresh.innerHTML;
      });
    }).then(null, function () {});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
