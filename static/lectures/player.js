/* 点课 player: adds to the plain <video>/<audio> (which already plays its MP4 and resumes through
 * the #t= fragment without JavaScript): HLS through the browser or hls.js, a quality picker that
 * starts on the lowest rung on slow connections, playback speed, chapter seeking, and progress
 * heartbeats (members/progress.js). Plain ES5 for old Android WebViews. */
(function () {
  "use strict";
  var script = document.currentScript;
  var media = document.getElementById("player") || document.getElementById("audio-player");
  var article = document.getElementById("article");

  function slowConnection() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    return !!c && (c.saveData || /(^|-)(2g|3g)$/.test(c.effectiveType || ""));
  }

  function startAt(element) {
    var match = /#t=(\d+)/.exec(element.currentSrc || element.src || "");
    return match ? parseInt(match[1], 10) : 0;
  }

  function setupQuality(hls, video) {
    var select = document.getElementById("quality");
    var label = document.getElementById("quality-label");
    if (!select || !hls.levels || hls.levels.length < 2) return;
    var auto = document.createElement("option");
    auto.value = "-1";
    auto.textContent = "自动";
    select.appendChild(auto);
    hls.levels.forEach(function (level, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = level.height + "p";
      select.appendChild(option);
    });
    select.value = slowConnection() ? "0" : "-1";
    select.addEventListener("change", function () { hls.currentLevel = parseInt(select.value, 10); });
    label.hidden = false;
  }

  /* The browser's own HLS cannot be told which rung to load: the server offers a playlist of
   * one rung each (data-hls-rungs="240=/lessons/5/hls/240.m3u8 360=…"); switching keeps the
   * position, the speed and whether it was playing. */
  function nativeRungs(video) {
    return (video.getAttribute("data-hls-rungs") || "").split(" ").filter(Boolean).map(function (pair) {
      var at = pair.indexOf("=");
      return {height: pair.slice(0, at), url: pair.slice(at + 1)};
    });
  }

  function setupNativeQuality(video, master, rungs, first) {
    var select = document.getElementById("quality");
    var label = document.getElementById("quality-label");
    if (!select || rungs.length < 2) return;
    [{height: "", url: master}].concat(rungs).forEach(function (rung) {
      var option = document.createElement("option");
      option.value = rung.url;
      option.textContent = rung.height ? rung.height + "p" : "自动";
      select.appendChild(option);
    });
    select.value = first;
    select.addEventListener("change", function () {
      var time = video.currentTime, paused = video.paused, rate = video.playbackRate;
      video.addEventListener("loadedmetadata", function resume() {
        video.removeEventListener("loadedmetadata", resume);
        video.playbackRate = rate;  // a new source starts at the default speed
        if (time) video.currentTime = time;
      });
      video.preload = "metadata";  // preload="none" would wait for a play before loading it
      video.src = select.value;
      if (!paused) video.play();
    });
    label.hidden = false;
  }

  function useHls(video) {
    var url = video.getAttribute("data-hls");
    if (!url) return;
    /* On a slow connection the small MP4 the page already names plays first: one request, the
     * first frame in about 3.5 s on Slow 3G, where HLS spends round trips on a master playlist,
     * two media playlists, two init sections and two first segments (video and audio) before
     * the first frame (18 s measured; bench/slow3g.py). */
    if (slowConnection()) return;
    var start = startAt(video);
    /* The master with the Opus speech track where this browser's player decodes Opus in MP4
     * (media_pipeline: a third of the AAC track's bytes); the AAC master otherwise. */
    var opus = video.getAttribute("data-hls-opus");
    var opusType = 'audio/mp4; codecs="opus"';
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      if (opus && video.canPlayType(opusType)) url = opus;
      var rungs = nativeRungs(video);
      var first = slowConnection() && rungs.length > 1 ? rungs[0].url : url;
      video.src = first + (start ? "#t=" + start : "");
      setupNativeQuality(video, url, rungs, first);
      return;
    }
    var loader = document.createElement("script");
    loader.src = script.getAttribute("data-hls-script");
    loader.onload = function () {
      if (!window.Hls || !window.Hls.isSupported()) return;  // the MP4 <source> keeps playing
      if (opus && window.MediaSource && window.MediaSource.isTypeSupported(opusType)) url = opus;
      var hls = new window.Hls({startLevel: slowConnection() ? 0 : -1, capLevelToPlayerSize: true,
                                startPosition: start || -1});
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () { setupQuality(hls, video); });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (data.fatal) { hls.destroy(); video.load(); }  // back to the MP4
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    };
    document.head.appendChild(loader);
  }

  function setupControls(element) {
    var controls = document.getElementById("controls");
    var speed = document.getElementById("speed");
    if (controls) controls.hidden = false;
    if (speed) speed.addEventListener("change", function () {
      element.playbackRate = parseFloat(speed.value);
    });
    var big = document.getElementById("big-play");  // elderly mode: one large target
    if (big) {
      var toggle = function () { if (element.paused) element.play(); else element.pause(); };
      big.hidden = false;
      big.addEventListener("click", toggle);
      // One tap plays: the browser's own controls would first only show themselves on a tap.
      element.removeAttribute("controls");
      element.addEventListener("click", toggle);
      var label = function () {
        big.textContent = big.getAttribute(element.paused ? "data-play" : "data-pause");
      };
      element.addEventListener("play", label);
      element.addEventListener("pause", label);
      label();
    }
    var links = document.querySelectorAll("[data-seek]");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        element.currentTime = parseInt(link.getAttribute("data-seek"), 10);
        element.play();
      });
    });
  }

  /* The badge beside the title follows the server's answer to each heartbeat: it turns to
   * 已完成 when the rule is met, without a reload. */
  function showState(state) {
    var badge = document.getElementById("item-state");
    if (!badge || !state) return;
    var done = state.state === "completed";
    var text = done ? badge.getAttribute("data-done")
      : badge.getAttribute("data-doing") + " " + Math.round(state.coverage * 100) + "%";
    badge.innerHTML = "";
    var span = document.createElement("span");
    span.className = "state " + (done ? "done" : "doing");
    span.textContent = text;
    badge.appendChild(span);
  }

  /* Leaving by a link of the site: the last heartbeat is sent (and answered) first, so the next
   * page (the course, the menu) already shows what was just studied. A beacon on pagehide alone
   * races the next page's request. At most 1.5 s, then the link is followed anyway. */
  function flushBeforeLeaving(handle) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
          event.shiftKey || link.target || link.hasAttribute("download") || link.hasAttribute("data-seek") ||
          link.origin !== window.location.origin || link.getAttribute("href").charAt(0) === "#") return;
      var pending = window.DiankeProgress.pending();
      if (!pending || !Object.keys(pending).length) return;
      event.preventDefault();
      var gone = false;
      function go() { if (!gone) { gone = true; window.location.href = link.href; } }
      window.setTimeout(go, 1500);
      handle.flush().then(go, go);
    });
  }

  function attachProgress(element, attach) {
    var handle = window.DiankeProgress[attach](element, {
      itemId: parseInt(element.getAttribute("data-item"), 10), onState: showState
    });
    if (handle) flushBeforeLeaving(handle);
    return handle;
  }

  /* The heartbeats' script (10 KB) is fetched at the first play, not with the page: on Slow 3G
   * the page before the tap stays within 40 KB (bench/slow3g.py). The play that loaded it is
   * then told to it, so the server's clocks start with that play, not 15 s later. An article
   * has no tap: its script comes with the page. */
  function track(element, attach) {
    if (!script.getAttribute("data-resume")) return;
    if (window.DiankeProgress) { attachProgress(element, attach); return; }
    var url = script.getAttribute("data-progress-script");
    if (!url) return;
    var requested = false;
    element.addEventListener("play", function load() {
      if (requested) return;
      requested = true;
      element.removeEventListener("play", load);
      var loader = document.createElement("script");
      loader.src = url;
      loader.onload = function () {
        if (!window.DiankeProgress) return;
        attachProgress(element, attach);
        if (!element.paused) {
          var replay = document.createEvent("Event");
          replay.initEvent("play", false, false);
          element.dispatchEvent(replay);
        }
      };
      document.head.appendChild(loader);
    });
  }

  function init() {
    if (media) {
      if (media.tagName === "VIDEO") useHls(media);
      setupControls(media);
      track(media, "attach");
    }
    var audio = document.getElementById("audio-player");
    if (audio && audio !== media) track(audio, "attach");
    if (article) track(article, "attachArticle");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
