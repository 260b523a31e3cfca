/* 点课 learning progress: records the ranges a member really played and sends them to
 * /api/v1/progress/<id>/heartbeat every ~15 s; keeps unsent heartbeats in localStorage and
 * flushes them when the network returns; on leaving the page uses sendBeacon (form body with the
 * CSRF token). Plain ES5, no dependencies.
 *
 * The server credits only what its clocks allow (members/services.py): a heartbeat goes when
 * play starts or resumes (nothing played yet: it starts the clocks), and ranges refused as
 * "too_fast" (422) stay queued and go again with the next heartbeat, when the clock has run.
 *
 *   var tracker = DiankeProgress.attach(videoOrAudioElement, {itemId: 42});
 *   DiankeProgress.attachArticle(articleElement, {itemId: 43});
 *   options: apiBase ("/api/v1"), interval (ms, 15000), csrfToken (default: cookie csrftoken or
 *            an input[name=csrfmiddlewaretoken]), onState(function(state){...}) after each answer.
 *   DiankeProgress.flush()   send everything queued now; DiankeProgress.pending() queued items.
 */
(function (window) {
  "use strict";
  var QUEUE_KEY = "dianke-progress-queue-v1";
  var memoryQueue = {};
  var defaults = {apiBase: "/api/v1", interval: 15000, onState: null};
  var flushing = false;
  var flushAgain = false;

  function storage() {
    try {
      var probe = "__dianke_probe__";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }
  var store = storage();

  function readQueue() {
    if (!store) return memoryQueue;
    try { return JSON.parse(store.getItem(QUEUE_KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function writeQueue(queue) {
    if (!store) { memoryQueue = queue; return; }
    try { store.setItem(QUEUE_KEY, JSON.stringify(queue)); } catch (e) { memoryQueue = queue; }
  }

  function mergeRanges(ranges) {
    var sorted = ranges.filter(function (r) { return r[1] > r[0]; })
      .map(function (r) { return [Math.round(r[0] * 10) / 10, Math.round(r[1] * 10) / 10]; })
      .sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    for (var i = 0; i < sorted.length; i++) {
      var last = merged[merged.length - 1];
      if (last && sorted[i][0] <= last[1]) { last[1] = Math.max(last[1], sorted[i][1]); }
      else if (sorted[i][1] > sorted[i][0]) { merged.push(sorted[i].slice()); }
    }
    return merged;
  }

  function csrfToken(options) {
    if (options && options.csrfToken) return options.csrfToken;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // One queued entry per item: ranges merged, the latest position; `v` counts changes so that an
  // answer for an older version does not drop newer ranges.
  function enqueue(options, session, ranges, position) {
    var queue = readQueue();
    var key = String(options.itemId);
    var entry = queue[key] || {ranges: [], v: 0};
    entry.apiBase = options.apiBase;
    entry.session = session;
    entry.ranges = mergeRanges(entry.ranges.concat(ranges));
    entry.position = Math.max(0, position || 0);
    entry.client_time = Date.now() / 1000;
    entry.v += 1;
    queue[key] = entry;
    writeQueue(queue);
  }

  function payloadOf(entry) {
    return {session: entry.session, ranges: entry.ranges, position: entry.position,
            client_time: entry.client_time};
  }

  function send(itemId, entry, options) {
    return window.fetch(entry.apiBase + "/progress/" + itemId + "/heartbeat", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(options)},
      body: JSON.stringify(payloadOf(entry))
    }).then(function (response) {
      var body = response.ok || response.status === 422 ? response.json() : Promise.resolve(null);
      return body.then(null, function () { return null; }).then(function (data) {
        // "Not yet": the server's clock has not run long enough for these ranges.
        var later = response.status === 422 && data && data.code === "too_fast";
        var queue = readQueue();
        var current = queue[itemId];
        var drop = !later && (response.ok || [400, 404, 409, 422].indexOf(response.status) >= 0);
        if (drop && current && current.v === entry.v) { delete queue[itemId]; writeQueue(queue); }
        if (!response.ok && drop && window.console) {
          window.console.warn("progress rejected", itemId, response.status);
        }
        return response.ok ? data : null;
      });
    });
  }

  function flush(options) {
    options = options || {};
    if (window.navigator.onLine === false) return Promise.resolve();
    if (flushing) { flushAgain = true; return Promise.resolve(); }
    flushing = true;
    flushAgain = false;
    var queue = readQueue();
    var keys = Object.keys(queue);
    var chain = Promise.resolve();
    keys.forEach(function (itemId) {
      chain = chain.then(function () {
        return send(itemId, queue[itemId], options).then(function (state) {
          if (state && options.onState && String(options.itemId) === itemId) options.onState(state);
        });
      });
    });
    // Heartbeats queued while this flush ran are sent straight after it.
    return chain.then(function () {
      flushing = false;
      if (flushAgain) return flush(options);
    }, function () { flushing = false; });
  }

  function beacon(options) {
    if (!window.navigator.sendBeacon || !window.FormData) return;
    var entry = readQueue()[String(options.itemId)];
    if (!entry) return;
    var form = new window.FormData();
    form.append("csrfmiddlewaretoken", csrfToken(options));
    form.append("payload", JSON.stringify(payloadOf(entry)));
    // The entry stays queued: if the beacon got through, sending it again changes nothing.
    window.navigator.sendBeacon(entry.apiBase + "/progress/" + options.itemId + "/beacon", form);
  }

  function extend(target, source) {
    var out = {}, key;
    for (key in target) out[key] = target[key];
    for (key in source || {}) out[key] = source[key];
    return out;
  }

  function newSession() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function attach(media, userOptions) {
    var options = extend(defaults, userOptions);
    var session = newSession();
    var pending = [];
    var rangeStart = null, lastTime = null;

    function closeRange() {
      if (rangeStart !== null && lastTime !== null && lastTime > rangeStart) {
        pending.push([rangeStart, lastTime]);
      }
      rangeStart = null; lastTime = null;
    }
    function onTime() {
      if (media.seeking || media.paused) return;
      var t = media.currentTime;
      // A jump (seek, skipped segment) starts a new range instead of counting the gap.
      if (lastTime === null || t < lastTime || t - lastTime > 2.5) { closeRange(); rangeStart = t; }
      lastTime = t;
    }
    function catchUp() {
      // Count the play since the last timeupdate (up to 250 ms) before closing the range.
      if (rangeStart === null || media.seeking) return;
      var t = media.currentTime;
      if (t >= lastTime && t - lastTime <= 2.5) lastTime = t;
    }
    function beat() {
      catchUp();
      closeRange();
      if (!media.paused && !media.ended) { rangeStart = media.currentTime; lastTime = media.currentTime; }
      enqueue(options, session, pending, media.currentTime);
      pending = [];
      return flush(options);
    }
    media.addEventListener("timeupdate", onTime);
    media.addEventListener("seeking", closeRange);
    media.addEventListener("play", function () {
      if (rangeStart === null) { rangeStart = media.currentTime; lastTime = media.currentTime; }
      // Nothing played yet: this heartbeat starts (or keeps) the server's clocks.
      enqueue(options, session, [], media.currentTime);
      flush(options);
    });
    media.addEventListener("pause", beat);
    media.addEventListener("ended", beat);
    var timer = window.setInterval(function () { if (!media.paused) beat(); }, options.interval);
    function leave() { catchUp(); closeRange(); enqueue(options, session, pending, media.currentTime); pending = []; beacon(options); }
    window.addEventListener("pagehide", leave);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") leave();
    });
    window.addEventListener("online", function () { flush(options); });
    flush(options); // whatever an earlier visit left behind
    return {
      flush: beat,
      stop: function () { window.clearInterval(timer); beat(); },
      session: session
    };
  }

  function attachArticle(element, userOptions) {
    var options = extend(defaults, userOptions);
    var session = newSession();
    var furthest = 0;
    function readFraction() {
      var rect = element.getBoundingClientRect();
      var seen = window.innerHeight - rect.top;
      var fraction = rect.height > 0 ? Math.min(1, Math.max(0, seen / rect.height)) : 1;
      furthest = Math.max(furthest, fraction);
      return furthest;
    }
    function beat() {
      if (document.visibilityState === "hidden") return Promise.resolve();
      enqueue(options, session, [], readFraction());
      return flush(options);
    }
    window.addEventListener("scroll", readFraction, {passive: true});
    var timer = window.setInterval(beat, options.interval);
    window.addEventListener("pagehide", function () { enqueue(options, session, [], readFraction()); beacon(options); });
    window.addEventListener("online", function () { flush(options); });
    beat();
    return {flush: beat, stop: function () { window.clearInterval(timer); }, session: session};
  }

  window.DiankeProgress = {
    attach: attach,
    attachArticle: attachArticle,
    flush: function (options) { return flush(extend(defaults, options)); },
    pending: function () { return readQueue(); },
    _mergeRanges: mergeRanges
  };
})(window);
