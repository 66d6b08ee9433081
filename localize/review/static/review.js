// The review page. Every piece of subtitle text goes into the page as text (textContent, .value), never as HTML.
(function () {
  "use strict";
  var TOKEN_KEY = "localize-review-token";
  var $ = function (id) { return document.getElementById(id); };
  var state = {data: null, changes: {}, current: 0, rows: [], checkTimer: null, checking: 0, job: null};

  // --- the token: read once from the URL, kept for this tab, sent in a header -------------
  var params = new URLSearchParams(location.search);
  if (params.has("token")) {
    sessionStorage.setItem(TOKEN_KEY, params.get("token"));
    params.delete("token");
    var rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  var token = sessionStorage.getItem(TOKEN_KEY) || "";

  function api(method, url, body) {
    var options = {method: method, headers: {"X-Localize-Token": token}, cache: "no-store"};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {error: response.status + " " + response.statusText}; })
        .then(function (data) {
          if (!response.ok) { var e = new Error(data.error || response.statusText); e.status = response.status; throw e; }
          return data;
        });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(text) { $("status").textContent = text; }
  // the banner shows one problem; clearing it with a topic clears only that topic's message
  function alarm(text, topic) {
    if (!text && topic && state.alarmTopic !== topic) return;
    state.alarmTopic = topic || "";
    $("banner").textContent = text;
    $("banner").classList.toggle("hidden", !text);
  }

  // --- times and frames -------------------------------------------------------------------
  function clock(ms) {
    var s = Math.floor(ms / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60);
    var pad = function (n, w) { return String(n).padStart(w, "0"); };
    return pad(h, 2) + ":" + pad(m % 60, 2) + ":" + pad(s % 60, 2) + "." + pad(ms % 1000, 3);
  }
  function nudge(ms, frames) {
    var num = state.data.fps[0], den = state.data.fps[1];
    var frame = Math.round(ms * num / (den * 1000)) + frames;
    return Math.max(0, Math.round(frame * 1000 * den / num));
  }
  function nearestCut(ms) {
    var best = null;
    state.data.shots.forEach(function (cut) { if (best === null || Math.abs(cut - ms) < Math.abs(best - ms)) best = cut; });
    return best;
  }

  // --- loading ------------------------------------------------------------------------------
  function selection() {
    var parts = location.hash.slice(1).split("/");
    return parts.length === 2 ? {episode: decodeURIComponent(parts[0]), market: decodeURIComponent(parts[1])} : null;
  }

  function start() {
    api("GET", "/api/episodes").then(function (listing) {
      var picker = $("picker");
      listing.episodes.forEach(function (episode) {
        episode.markets.forEach(function (market) {
          var option = el("option", "", episode.episode + " / " + market);
          option.value = encodeURIComponent(episode.episode) + "/" + encodeURIComponent(market);
          picker.appendChild(option);
        });
      });
      if (!selection()) location.replace("#" + encodeURIComponent(listing.default.episode) + "/" + encodeURIComponent(listing.default.market));
      else load();
    }).catch(function (error) { alarm("Cannot load the episodes: " + error.message + (token ? "" : " (open the URL that `localize review` printed)")); });
  }

  function load() {
    var chosen = selection();
    if (!chosen) return;
    $("picker").value = encodeURIComponent(chosen.episode) + "/" + encodeURIComponent(chosen.market);
    var t0 = performance.now();
    document.body.removeAttribute("data-ready");
    api("GET", base("api/review")).then(function (data) {
      state.changes = {};
      show(data, true);
      void document.body.offsetHeight;  // include the layout in the measured time
      document.body.setAttribute("data-load-ms", (performance.now() - t0).toFixed(1));
      document.body.setAttribute("data-ready", "yes");
    }).catch(function (error) { alarm(error.message); });
  }

  function base(prefix) {
    var chosen = selection();
    return "/" + prefix + "/" + encodeURIComponent(chosen.episode) + "/" + encodeURIComponent(chosen.market);
  }

  function show(data, fresh) {
    state.data = data;
    if (fresh) state.current = Math.min(state.current, Math.max(0, data.cues.length - 1));
    renderList();
    if (fresh) setVideo();
    var notes = data.notes.slice();
    if (data.video) notes.unshift("Video: " + data.video.kind + (data.video.kind === "burned" ? " (subtitles as the run burned them in)" : " with the saved text as subtitles"));
    else notes.unshift("No video for this episode; cues and dub lines only.");
    $("video-note").textContent = notes.join(" · ");
    say("revision " + data.revision + " · " + data.cues.length + " cues" + pending());
  }

  function pending() {
    var n = Object.keys(state.changes).length;
    return n ? " · " + n + " unsaved" : "";
  }

  function setVideo() {
    var video = $("video"), data = state.data, stamp = "?v=" + Date.now();
    video.querySelectorAll("track").forEach(function (t) { t.remove(); });
    if (!data.video) { video.removeAttribute("src"); video.load(); return; }
    video.src = data.video.url + stamp;
    var track = document.createElement("track");
    track.kind = "subtitles"; track.srclang = data.language || "und"; track.label = "current text";
    track.src = data.track + stamp;
    track.default = data.video.kind !== "burned";
    video.appendChild(track);
    video.load();
  }

  // --- the cue list -------------------------------------------------------------------------
  function renderList() {
    var list = $("cue-list"), fragment = document.createDocumentFragment();
    state.rows = state.data.cues.map(function (cue, index) {
      var row = buildRow(cue, index);
      fragment.appendChild(row.node);
      return row;
    });
    list.textContent = "";
    list.appendChild(fragment);
    state.rows.forEach(function (row, index) { fill(row, state.data.cues[index]); });
    markCurrent(false);
    summarize();
  }

  function buildRow(cue, index) {
    var row = {node: el("li", "cue"), id: cue.id, index: index};
    row.node.dataset.id = cue.id;
    var head = el("div", "head");
    head.appendChild(el("span", "num", "#" + cue.id));
    row.times = head.appendChild(el("span", "times"));
    [["−f", "in-time one frame earlier [", "start", -1], ["+f", "in-time one frame later ]", "start", 1],
     ["⇤cut", "snap in-time to the nearest cut (s)", "start", 0], ["−f", "out-time one frame earlier {", "end", -1],
     ["+f", "out-time one frame later }", "end", 1], ["cut⇥", "snap out-time to the nearest cut (S)", "end", 0]]
      .forEach(function (spec) {
        var button = el("button", "", spec[0]);
        button.type = "button"; button.title = spec[1];
        button.addEventListener("click", function (event) { event.stopPropagation(); select(index, false); retime(spec[2], spec[3]); });
        head.appendChild(button);
      });
    row.speaker = head.appendChild(el("input", "speaker"));
    row.speaker.placeholder = "speaker"; row.speaker.setAttribute("aria-label", "speaker of cue " + cue.id);
    row.speaker.addEventListener("change", function () { change(row.id, {speaker: row.speaker.value}); });
    row.badge = head.appendChild(el("span", "badge"));
    [["▶ line", "play the dub line (p)", function () { playLine(index); }],
     ["✓ approve", "approve (Ctrl+Enter)", function () { setStatus(index, "approved"); }],
     ["⚑ needs work", "mark needs work (n)", function () { setStatus(index, "needs-work"); }]].forEach(function (spec) {
      var button = el("button", "", spec[0]);
      button.type = "button"; button.title = spec[1];
      button.addEventListener("click", function (event) { event.stopPropagation(); select(index, false); spec[2](); });
      head.appendChild(button);
      if (spec[0] === "▶ line") row.play = button;
    });
    row.node.appendChild(head);
    row.source = row.node.appendChild(el("div", "source"));
    row.source.lang = state.data.source_language || "";
    row.source.dir = "auto";
    row.target = row.node.appendChild(el("textarea", "target"));
    row.target.lang = state.data.language || "";
    row.target.dir = "auto"; row.target.rows = 2; row.target.spellcheck = true;
    row.target.setAttribute("aria-label", "target text of cue " + cue.id);
    row.target.addEventListener("input", function () { change(row.id, {text: row.target.value}); });
    row.target.addEventListener("focus", function () { select(index, false); });
    row.metrics = row.node.appendChild(el("div", "metrics"));
    row.flags = row.node.appendChild(el("ul", "flags"));
    row.node.addEventListener("click", function (event) {
      if (event.target.tagName === "TEXTAREA" || event.target.tagName === "INPUT") return;
      select(index, true);
    });
    return row;
  }

  function view(index) {
    var cue = state.data.cues[index], pendingChange = state.changes[cue.id] || {};
    return Object.assign({}, cue, pendingChange);
  }

  function fill(row, cue) {
    var shown = view(row.index);
    row.times.textContent = clock(shown.start) + " → " + clock(shown.end);
    row.times.classList.toggle("changed", shown.start !== cue.machine_start || shown.end !== cue.machine_end);
    if (document.activeElement !== row.speaker) row.speaker.value = shown.speaker || "";
    row.source.textContent = cue.source || "(no source line)";
    if (document.activeElement !== row.target) row.target.value = shown.text;
    row.target.classList.toggle("changed", shown.text !== cue.machine);
    var dirty = Boolean(state.changes[cue.id]);
    row.badge.textContent = shown.status + (dirty ? " · unsaved" : "");
    row.badge.className = "badge status-" + shown.status + (dirty ? " dirty" : "");
    row.play.disabled = !state.data.dub;
    showChecks(row, cue, shown.status);
  }

  function showChecks(row, cue, status) {
    var profile = state.data.profile;
    row.metrics.textContent = "";
    var chars = el("span", cue.chars > cue.budget ? "over" : "", cue.chars + "/" + cue.budget + " characters");
    var speed = el("span", cue.cps > profile.cps ? "over" : "", cue.cps + " cps (max " + profile.cps + ")");
    var lines = cue.lines;
    var lineInfo = el("span", lines.some(function (n) { return n > profile.line_limit; }) || lines.length > profile.max_lines ? "over" : "",
      "lines " + lines.join("+") + " (max " + profile.max_lines + "×" + profile.line_limit + ")");
    [chars, speed, lineInfo].forEach(function (part, n) {
      if (n) row.metrics.appendChild(document.createTextNode(" · "));
      row.metrics.appendChild(part);
    });
    if (cue.dub) row.metrics.appendChild(document.createTextNode(" · dub " + cue.dub.speed.toFixed(2) + "x"));
    row.flags.textContent = "";
    cue.flags.forEach(function (found) {
      var item = el("li", "flag severity-" + found.severity);
      item.appendChild(el("span", "kind", found.kind === "qc" ? "QC" : found.kind));
      item.appendChild(document.createTextNode(found.text));
      row.flags.appendChild(item);
    });
    var errors = cue.flags.some(function (f) { return f.severity === "error"; });
    row.node.className = "cue status-" + status + (cue.flags.length ? " problem" : "") + (errors ? " error" : "") +
      (row.index === state.current ? " current" : "") + (row.node.classList.contains("playing") ? " playing" : "");
  }

  function summarize() {
    var cues = state.data.cues, problems = cues.filter(function (c) { return c.flags.length || c.status === "needs-work"; }).length;
    var approved = cues.filter(function (c) { return (state.changes[c.id] || c).status === "approved"; }).length;
    $("summary").textContent = cues.length + " cues · " + problems + " with problems · " + approved + " approved";
  }

  function select(index, seek) {
    if (index < 0 || index >= state.rows.length) return;
    var before = state.rows[state.current];
    if (before) before.node.classList.remove("current");
    state.current = index;
    markCurrent(seek);
  }

  function markCurrent(seek) {
    var row = state.rows[state.current];
    if (!row) return;
    row.node.classList.add("current");
    row.node.scrollIntoView({block: "nearest"});
    if (seek && state.data.video) $("video").currentTime = view(state.current).start / 1000;
  }

  function step(direction) {
    var index = state.current + direction;
    var filtering = $("cue-list").classList.contains("problems-only");
    while (filtering && index >= 0 && index < state.rows.length && state.rows[index].node.offsetParent === null) index += direction;
    select(index, true);
  }

  // --- edits and checks -----------------------------------------------------------------------
  function change(id, values) {
    var index = state.data.cues.findIndex(function (c) { return c.id === id; }), cue = state.data.cues[index];
    var current = state.changes[id] || {id: id};
    if (!("status" in values)) {  // a changed line is "reviewed" until approved again ("needs work" stays)
      var status = current.status || cue.status;
      values.status = status === "needs-work" ? status : "reviewed";
    }
    state.changes[id] = Object.assign(current, values);
    alarm("", "edit");
    fill(state.rows[index], cue);
    say("revision " + state.data.revision + pending());
    clearTimeout(state.checkTimer);
    state.checkTimer = setTimeout(runChecks, 200);
  }

  function runChecks() {
    var ticket = ++state.checking, t0 = performance.now();
    document.body.setAttribute("data-checking", "yes");
    api("POST", base("api/review") + "/check", {edits: Object.values(state.changes)}).then(function (result) {
      if (ticket !== state.checking) return;
      state.data.cues.forEach(function (cue, index) {
        Object.assign(cue, result.cues[cue.id]);
        showChecks(state.rows[index], cue, view(index).status);
      });
      summarize();
      alarm("", "check");
      document.body.setAttribute("data-check-ms", (performance.now() - t0).toFixed(1));
      document.body.removeAttribute("data-checking");
    }).catch(function (error) {
      if (ticket === state.checking) { alarm(error.message, "check"); document.body.removeAttribute("data-checking"); }
    });
  }

  function setStatus(index, status) {
    change(state.data.cues[index].id, {status: status});
  }

  function retime(which, frames) {
    var shown = view(state.current), value = frames ? nudge(shown[which], frames) : nearestCut(shown[which]);
    if (value === null) { alarm("This episode has no cuts to snap to.", "edit"); return; }
    var values = {start: shown.start, end: shown.end};
    values[which] = value;
    if (values.end <= values.start) { alarm("Cue " + shown.id + ": the out-time must stay after the in-time.", "edit"); return; }
    change(shown.id, values);
  }

  function save() {
    var edits = Object.values(state.changes);
    if (!edits.length) { say("revision " + state.data.revision + " · nothing to save"); return Promise.resolve(true); }
    say("saving…");
    return api("PUT", base("api/review") + "/edits", {revision: state.data.revision, edits: edits}).then(function (data) {
      state.changes = {};
      show(data, false);
      refreshTrack();
      alarm("", "save");
      say("saved revision " + data.revision + " · " + data.cues.length + " cues");
      return true;
    }).catch(function (error) {
      alarm(error.status === 409
        ? "Not saved: " + error.message + "\nSomeone saved this episode since you loaded it. Your changes are still here; note them, then reload the page (their work is kept)."
        : "Not saved: " + error.message, "save");
      say("revision " + state.data.revision + pending());
      return false;
    });
  }

  function refreshTrack() {
    var video = $("video"), track = video.querySelector("track");
    if (track) track.src = state.data.track + "?v=" + Date.now();
  }

  // --- dub lines and re-render ------------------------------------------------------------------
  function playLine(index) {
    if (!state.data.dub) { say("no dub for this market"); return; }
    var audio = $("line-audio");
    $("video").pause();
    audio.src = state.data.dub + encodeURIComponent(state.data.cues[index].id) + ".wav";
    audio.play().catch(function (error) { alarm("Cannot play the dub line: " + error.message); });
  }

  function rerender() {
    save().then(function (saved) {
      if (!saved) return;
      var box = $("job");
      box.classList.remove("hidden"); box.dataset.state = "running"; $("job-log").textContent = "starting…"; alarm("", "rerender");
      api("POST", base("api/review") + "/rerender").then(poll, failed);
    });
  }

  function poll(job) {  // the job's log while it runs; when done, the new cues (dub lines, flags) and the new video
    var log = $("job-log");
    log.textContent = job.log.join("\n") + (job.error ? "\n" + job.error : ""); log.scrollTop = log.scrollHeight;
    $("job").dataset.state = job.state;
    if (job.state === "running") { setTimeout(function () { api("GET", "/api/jobs/" + job.id).then(poll, failed); }, 300); return; }
    if (job.state === "failed") { failed(new Error(job.error)); return; }
    var time = $("video").currentTime;
    api("GET", base("api/review")).then(function (data) {
      show(data, true);
      $("video").currentTime = time;
      say("re-rendered in " + job.seconds + " s · revision " + data.revision);
    }, failed);
  }

  function failed(error) { $("job").dataset.state = "failed"; alarm("Re-render failed: " + error.message, "rerender"); }

  // the keyboard and the video's highlight live in keys.js
  window.localizeReview = {state: state, view: view, select: select, step: step, setStatus: setStatus,
                           playLine: playLine, retime: retime, save: save};

  $("problems-only").addEventListener("change", function () {
    var t0 = performance.now();
    $("cue-list").classList.toggle("problems-only", $("problems-only").checked);
    void $("cue-list").offsetHeight;  // include the layout in the measured time
    document.body.setAttribute("data-filter-ms", (performance.now() - t0).toFixed(1));
  });
  $("save").addEventListener("click", save);
  $("rerender").addEventListener("click", rerender);
  $("picker").addEventListener("change", function () {
    if (Object.keys(state.changes).length && !confirm("Discard the unsaved changes?")) return;
    location.hash = "#" + $("picker").value;
  });
  window.addEventListener("hashchange", load);
  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(state.changes).length) { event.preventDefault(); event.returnValue = ""; }
  });
  start();
})();
