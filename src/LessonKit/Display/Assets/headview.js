// Head view (after bertviz): tokens in two columns, a line from each query token (left) to each key token (right)
// it attends to, as opaque as the attention weight, one colour per head. Pick a layer, toggle heads, hover a token.
(function () {
"use strict";
var ns = window.LessonKitViews;

ns.modules.headview = function (root, d) {
  var body = root.querySelector(".lk-body");
  var n = d.n, H = d.heads, W = 220, rowH = n > 100 ? 16 : 20;
  var active = [], decoded = {}, layer = d.layer, focus = null;
  for (var h = 0; h < H; h++) active.push(true);

  // Controls: the layer selector and one toggle per head.
  var controls = ns.el("div", "lk-controls");
  var label = ns.el("label", "lk-control", "Layer ");
  var select = document.createElement("select");
  select.className = "lk-layer-select";
  for (var l = 0; l < d.layers; l++) {
    var option = document.createElement("option");
    option.value = String(l);
    option.textContent = d.data[String(l)] ? String(l) : l + (d.missing.indexOf(l) >= 0 ? " (not cached)" : " (not embedded)");
    option.disabled = !d.data[String(l)];
    select.appendChild(option);
  }
  select.value = String(layer);
  label.appendChild(select);
  controls.appendChild(label);

  var headBox = ns.el("div", "lk-head-toggles");
  headBox.appendChild(ns.el("span", "lk-control", "Heads "));
  var buttons = [];
  for (h = 0; h < H; h++) {
    var b = ns.el("button", "lk-head-toggle", String(h));
    b.type = "button";
    b.setAttribute("data-head", String(h));
    b.setAttribute("aria-pressed", "true");
    b.title = "Head " + h + ": click to hide or show, double-click to show only this head";
    b.style.background = ns.rgb(ns.headColor(h));
    buttons.push(b);
    headBox.appendChild(b);
  }
  controls.appendChild(headBox);
  body.appendChild(controls);

  // The stage: query tokens, the canvas with the lines, key tokens.
  var stage = ns.el("div", "lk-hv-stage");
  var left = ns.el("div", "lk-hv-col lk-hv-left"), right = ns.el("div", "lk-hv-col lk-hv-right");
  var canvas = document.createElement("canvas");
  var dpr = Math.min(2, window.devicePixelRatio || 1);
  canvas.className = "lk-hv-canvas";
  canvas.width = W * dpr; canvas.height = n * rowH * dpr;
  canvas.style.width = W + "px"; canvas.style.height = n * rowH + "px";
  var leftTokens = [], rightTokens = [];
  for (var i = 0; i < n; i++) {
    var a = ns.el("div", "lk-tok", d.tokens[i]), c = ns.el("div", "lk-tok", d.tokens[i]);
    a.title = c.title = "position " + (d.offset + i) + ": " + d.full[i];
    a.style.height = c.style.height = a.style.lineHeight = c.style.lineHeight = rowH + "px";
    a.setAttribute("data-pos", String(i)); c.setAttribute("data-pos", String(i));
    leftTokens.push(a); rightTokens.push(c);
    left.appendChild(a); right.appendChild(c);
  }
  stage.appendChild(left); stage.appendChild(canvas); stage.appendChild(right);
  body.appendChild(stage);
  body.appendChild(ns.el("div", "lk-hint", "Hover a token to see only its lines; left: the query (the token looking), right: the keys (the tokens looked at)."));

  function patterns(l) {
    if (!decoded[l]) decoded[l] = d.data[String(l)].map(ns.decode);
    return decoded[l];
  }

  // Lines are batched by head and opacity level: one stroke per batch keeps thousands of lines fast.
  // With many tokens and heads, only the strongest MAX_LINES lines are drawn (fainter ones are nearly invisible anyway).
  var LEVELS = 16, MIN_WEIGHT = 0.01, MAX_LINES = 30000, BINS = 100;
  var hint = ns.el("div", "lk-hint lk-hv-limit");
  body.appendChild(hint);
  function visible(q, key) {
    return !focus || (focus.side === "q" ? focus.i === q : focus.i === key);
  }
  function threshold(p) {
    var hist = new Int32Array(BINS), h, q, key, w, total = 0, b;
    for (h = 0; h < H; h++) {
      if (!active[h]) continue;
      for (q = 0; q < n; q++) for (key = 0; key < n; key++) {
        w = p[h][q * n + key];
        if (w >= MIN_WEIGHT && visible(q, key)) { hist[Math.min(BINS - 1, Math.floor(w * BINS))]++; total++; }
      }
    }
    if (total <= MAX_LINES) return { min: MIN_WEIGHT, drawn: total, total: total };
    var kept = 0;
    for (b = BINS - 1; b >= 1; b--) {
      if (kept + hist[b] > MAX_LINES) return { min: (b + 1) / BINS, drawn: kept, total: total };
      kept += hist[b];
    }
    return { min: MIN_WEIGHT, drawn: kept, total: total };
  }
  function draw() {
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, n * rowH);
    ctx.lineWidth = n > 100 ? 1 : 2;
    var p = patterns(layer), limit = threshold(p);
    hint.textContent = limit.min > MIN_WEIGHT
      ? "Drawing the " + limit.drawn + " strongest of " + limit.total + " lines (weights of " + ns.fmt(limit.min, 2) + " or more) to stay fast; hover a token to see all of its lines."
      : "";
    var best = new Float32Array(n), bestHead = new Int32Array(n).fill(-1);
    for (var h = 0; h < H; h++) {
      if (!active[h]) continue;
      var m = p[h], paths = [];
      for (var k = 0; k < LEVELS; k++) paths.push(null);
      for (var q = 0; q < n; q++) {
        if (focus && focus.side === "q" && focus.i !== q) continue;
        for (var key = 0; key < n; key++) {
          if (focus && focus.side === "k" && focus.i !== key) continue;
          var w = m[q * n + key];
          if (focus) {
            var other = focus.side === "q" ? key : q;
            if (w > best[other]) { best[other] = w; bestHead[other] = h; }
          }
          if (w < limit.min) continue;
          var level = Math.min(LEVELS - 1, Math.floor(w * LEVELS));
          var path = paths[level] || (paths[level] = new Path2D());
          path.moveTo(0, (q + 0.5) * rowH);
          path.lineTo(W, (key + 0.5) * rowH);
        }
      }
      ctx.strokeStyle = ns.rgb(ns.headColor(h));
      for (k = 0; k < LEVELS; k++) {
        if (!paths[k]) continue;
        ctx.globalAlpha = (k + 0.5) / LEVELS;
        ctx.stroke(paths[k]);
      }
    }
    ctx.globalAlpha = 1;
    // Shade the tokens on the other side by the strongest weight (and that head's colour).
    var others = focus && focus.side === "q" ? rightTokens : leftTokens;
    for (var t = 0; t < n; t++) {
      leftTokens[t].style.background = rightTokens[t].style.background = "";
      leftTokens[t].classList.remove("lk-focus"); rightTokens[t].classList.remove("lk-focus");
    }
    if (focus) {
      (focus.side === "q" ? leftTokens : rightTokens)[focus.i].classList.add("lk-focus");
      for (t = 0; t < n; t++)
        if (bestHead[t] >= 0 && best[t] > 0) others[t].style.background = ns.rgb(ns.headColor(bestHead[t]), Math.min(1, best[t]).toFixed(3));
    }
    stage.setAttribute("data-layer", String(layer));
    stage.setAttribute("data-heads", active.map(function (x, i) { return x ? i : -1; }).filter(function (i) { return i >= 0; }).join(","));
  }

  select.addEventListener("change", function () { layer = parseInt(select.value, 10); draw(); });
  buttons.forEach(function (b, h) {
    b.addEventListener("click", function () {
      active[h] = !active[h];
      b.setAttribute("aria-pressed", active[h] ? "true" : "false");
      draw();
    });
    b.addEventListener("dblclick", function () {
      for (var j = 0; j < H; j++) { active[j] = j === h; buttons[j].setAttribute("aria-pressed", j === h ? "true" : "false"); }
      draw();
    });
  });
  function hover(side, list) {
    list.forEach(function (el, i) {
      el.addEventListener("mouseenter", function () { focus = { side: side, i: i }; draw(); });
    });
  }
  hover("q", leftTokens);
  hover("k", rightTokens);
  stage.addEventListener("mouseleave", function () { if (focus) { focus = null; draw(); } });
  draw();
};
})();
