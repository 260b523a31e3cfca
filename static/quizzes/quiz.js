// With JavaScript: one question at a time, with the time left counting down. Without it the
// plain form shows every question; either way the server grades and keeps the time.
(function () {
  "use strict";
  var form = document.querySelector("form.qz-form");
  if (!form) return;
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.qz-question"));
  var submit = form.querySelector("button.qz-submit");
  var timer = document.querySelector("[data-seconds-left]");
  if (timer) {
    var left = parseInt(timer.getAttribute("data-seconds-left"), 10);
    var end = Date.now() + left * 1000;
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      timer.textContent = (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (r < 10 ? "0" : "") + r;
      if (s <= 0) { form.submit(); return; }
      window.setTimeout(tick, 1000);
    };
    timer.hidden = false;
    tick();
  }
  if (questions.length < 2) return;
  var at = 0;
  var nav = document.createElement("p");
  nav.className = "qz-nav";
  var back = document.createElement("button");
  var next = document.createElement("button");
  back.type = next.type = "button";
  back.textContent = form.getAttribute("data-previous") || "‹";
  next.textContent = form.getAttribute("data-next") || "›";
  var count = document.createElement("span");
  nav.appendChild(back); nav.appendChild(count); nav.appendChild(next);
  form.insertBefore(nav, submit);
  var show = function () {
    questions.forEach(function (q, i) { q.hidden = i !== at; });
    back.disabled = at === 0;
    next.hidden = at === questions.length - 1;
    submit.hidden = at !== questions.length - 1;
    count.textContent = " " + (at + 1) + " / " + questions.length + " ";
  };
  back.addEventListener("click", function () { if (at > 0) { at -= 1; show(); } });
  next.addEventListener("click", function () { if (at < questions.length - 1) { at += 1; show(); } });
  show();
})();
