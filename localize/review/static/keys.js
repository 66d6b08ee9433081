// The review page's keyboard and the highlight of the cue under the playhead (review.js holds the page's state).
(function () {
  "use strict";
  var page = window.localizeReview, state = page.state, view = page.view, select = page.select, step = page.step;
  var setStatus = page.setStatus, playLine = page.playLine, retime = page.retime, save = page.save;
  var $ = function (id) { return document.getElementById(id); };

  $("video").addEventListener("timeupdate", function () {
    if (!state.data) return;
    var ms = $("video").currentTime * 1000;
    state.rows.forEach(function (row, index) {
      var shown = view(index), on = shown.start <= ms && ms < shown.end;
      if (on !== row.node.classList.contains("playing")) {
        row.node.classList.toggle("playing", on);
        if (on && !$("video").paused && !typing()) select(index, false);
      }
    });
  });

  function typing() {
    var active = document.activeElement;
    return active && (active.tagName === "TEXTAREA" || active.tagName === "INPUT" || active.tagName === "SELECT");
  }

  document.addEventListener("keydown", function (event) {
    if (!state.data) return;
    var key = event.key, row = state.rows[state.current];
    if ((event.ctrlKey || event.metaKey) && key === "Enter") { event.preventDefault(); setStatus(state.current, "approved"); step(1); return; }
    if ((event.ctrlKey || event.metaKey) && (key === "s" || key === "S")) { event.preventDefault(); save(); return; }
    if (event.ctrlKey && key === " ") { event.preventDefault(); playLine(state.current); return; }
    if (event.altKey && (key === "ArrowDown" || key === "ArrowUp")) { event.preventDefault(); if (typing()) document.activeElement.blur(); step(key === "ArrowDown" ? 1 : -1); return; }
    if (event.altKey && (key === "n" || key === "N")) { event.preventDefault(); setStatus(state.current, "needs-work"); return; }
    if (key === "Escape" && typing()) { document.activeElement.blur(); return; }
    if (typing() || event.ctrlKey || event.metaKey || event.altKey) return;
    var actions = {
      j: function () { step(1); }, k: function () { step(-1); },
      Enter: function () { row.target.focus(); }, e: function () { row.target.focus(); },
      n: function () { setStatus(state.current, "needs-work"); }, p: function () { playLine(state.current); },
      " ": function () { var v = $("video"); if (v.paused) v.play(); else v.pause(); },
      "[": function () { retime("start", -1); }, "]": function () { retime("start", 1); },
      "{": function () { retime("end", -1); }, "}": function () { retime("end", 1); },
      s: function () { retime("start", 0); }, S: function () { retime("end", 0); },
      f: function () { $("problems-only").click(); }
    };
    if (actions[key]) { event.preventDefault(); actions[key](); }
  });
})();
