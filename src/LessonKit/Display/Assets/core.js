// LessonKit views: the shared runtime. Every view fragment carries this file, so each works alone.
// One global only: window.LessonKitViews. All text from the model (tokens) is set with textContent, never as HTML.
(function () {
"use strict";
var ns = window.LessonKitViews = window.LessonKitViews || {};
ns.modules = ns.modules || {};

// Finds the view's root, reads its JSON data and runs the view's module once.
ns.boot = function (id, kind, script) {
  var root = document.getElementById(id);
  if (!root && script && script.parentNode && script.parentNode.closest) root = script.parentNode.closest(".lk-view");
  if (!root || root.getAttribute("data-lk-ready")) return;
  root.setAttribute("data-lk-ready", "1");
  var started = window.performance ? performance.now() : 0;
  try {
    var dataEl = document.getElementById(id + "-data") || root.querySelector("script[type='application/json']");
    var data = JSON.parse(dataEl.textContent);
    var nojs = root.querySelector(".lk-nojs");
    if (nojs) nojs.parentNode.removeChild(nojs);
    if (!ns.modules[kind]) throw new Error("no script for the '" + kind + "' view");
    ns.modules[kind](root, data);
    if (window.performance) root.setAttribute("data-lk-render-ms", String(Math.round(performance.now() - started)));
  } catch (e) {
    var box = ns.el("div", "lk-error", "This view could not be drawn: " + (e && e.message ? e.message : e));
    root.appendChild(box);
    if (window.console) console.error(e);
  }
};

// An element with a class and text (text is never parsed as HTML).
ns.el = function (tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
};

// Decodes a quantized matrix {r, c, tri, bits, lo, hi, b64} into a Float32Array of r*c values (row-major).
// A triangular matrix stores row q's keys 0..q only; the rest is 0 (a causal pattern).
ns.decode = function (m) {
  var bin = atob(m.b64), out = new Float32Array(m.r * m.c);
  var max = m.bits === 16 ? 65535 : 255, span = m.hi - m.lo, i = 0, r, c, end, q;
  for (r = 0; r < m.r; r++) {
    end = m.tri ? r + 1 : m.c;
    for (c = 0; c < end; c++) {
      if (m.bits === 16) { q = bin.charCodeAt(i) | (bin.charCodeAt(i + 1) << 8); i += 2; }
      else { q = bin.charCodeAt(i); i += 1; }
      out[r * m.c + c] = m.lo + q / max * span;
    }
  }
  return out;
};

// Decodes n little-endian float32 values (float64 when wide) from base64, NaN and ±Infinity included.
ns.decodeFloats = function (b64, n, wide) {
  var bin = atob(b64), bytes = new Uint8Array(bin.length), size = wide ? 8 : 4, out = new Float64Array(n), i;
  for (i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var view = new DataView(bytes.buffer);
  for (i = 0; i < n; i++) out[i] = wide ? view.getFloat64(i * size, true) : view.getFloat32(i * size, true);
  return out;
};

// Colour scales (same stops as Colors.cs): sequential white-to-blue for [0, 1], diverging red-white-blue for [-1, 1].
var SEQ = [[0, 255, 255, 255], [0.25, 198, 219, 239], [0.5, 107, 174, 214], [0.75, 33, 113, 181], [1, 8, 48, 107]];
var DIV = [[0, 178, 24, 43], [0.25, 239, 138, 98], [0.5, 255, 255, 255], [0.75, 103, 169, 207], [1, 33, 102, 172]];
function interpolate(stops, t) {
  if (!(t > 0)) t = 0;
  if (t > 1) t = 1;
  for (var i = 1; i < stops.length; i++) {
    if (t <= stops[i][0]) {
      var a = stops[i - 1], b = stops[i], f = (t - a[0]) / (b[0] - a[0]);
      return [a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]), a[3] + f * (b[3] - a[3])];
    }
  }
  return [stops[stops.length - 1][1], stops[stops.length - 1][2], stops[stops.length - 1][3]];
}
ns.seq = function (t) { return interpolate(SEQ, t); };
ns.div = function (t) { return interpolate(DIV, (t + 1) / 2); };

// One colour per head: a fixed palette for the first ten, then evenly spread hues.
var PALETTE = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
               [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
ns.headColor = function (h) {
  if (h < PALETTE.length) return PALETTE[h];
  var hue = (h * 137.508) % 360, s = 0.65, l = 0.45;
  var k = function (n) { return (n + hue / 30) % 12; };
  var a = s * Math.min(l, 1 - l);
  var f = function (n) { return 255 * (l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))); };
  return [f(0), f(8), f(4)];
};
ns.rgb = function (c, alpha) {
  var s = Math.round(c[0]) + "," + Math.round(c[1]) + "," + Math.round(c[2]);
  return alpha === undefined ? "rgb(" + s + ")" : "rgba(" + s + "," + alpha + ")";
};

// Number formatting for tooltips.
ns.fmt = function (v, digits) { return (Math.round(v * Math.pow(10, digits)) / Math.pow(10, digits)).toFixed(digits); };

// A tooltip shared by one view, positioned inside the view's root.
ns.tip = function (root) {
  var tip = root.querySelector(".lk-tip");
  if (!tip) { tip = ns.el("div", "lk-tip"); root.appendChild(tip); }
  return {
    show: function (text, ev) {
      tip.textContent = text;
      tip.style.display = "block";
      var box = root.getBoundingClientRect();
      var x = ev.clientX - box.left + 14, y = ev.clientY - box.top + 14;
      var w = tip.offsetWidth;
      if (x + w > box.width) x = Math.max(0, ev.clientX - box.left - w - 8);
      tip.style.left = x + "px";
      tip.style.top = y + "px";
    },
    hide: function () { tip.style.display = "none"; },
    element: tip
  };
};

// Cell size in CSS pixels so that n cells fill about `room` pixels, between lo and hi.
ns.cellSize = function (n, room, lo, hi) { return Math.max(lo, Math.min(hi, Math.floor(room / Math.max(1, n)))); };

// A heatmap on a canvas (one canvas pixel per cell, scaled up crisply), with optional labels, hover and a marked cell.
// opts: rows, cols, value(r, c), color(v) -> [r, g, b], cw, ch (cell size in CSS px), rowLabels, colLabels,
//       rowTitle, colTitle, hover(r, c, v) -> text, tip, mark {r, c}, onClick(r, c).
ns.heatmap = function (opts) {
  var wrap = ns.el("div", "lk-hm");
  var grid = ns.el("div", "lk-hm-grid");
  var cw = opts.cw, ch = opts.ch, rows = opts.rows, cols = opts.cols;
  var showRows = opts.rowLabels && ch >= 9, showCols = opts.colLabels && cw >= 9;
  var font = function (size) { return Math.max(8, Math.min(12, size - 2)) + "px"; };

  grid.appendChild(ns.el("div", "lk-hm-corner"));
  var colBox = ns.el("div", "lk-hm-cols");
  if (showCols) {
    for (var c = 0; c < cols; c++) {
      var cl = ns.el("div", "lk-hm-collabel", opts.colLabels[c]);
      cl.style.width = cw + "px"; cl.style.fontSize = font(cw);
      colBox.appendChild(cl);
    }
  } else if (opts.colTitle) colBox.appendChild(ns.el("div", "lk-hm-axis", opts.colTitle));
  grid.appendChild(colBox);

  var rowBox = ns.el("div", "lk-hm-rows");
  if (showRows) {
    for (var r = 0; r < rows; r++) {
      var rl = ns.el("div", "lk-hm-rowlabel", opts.rowLabels[r]);
      rl.style.height = ch + "px"; rl.style.lineHeight = ch + "px"; rl.style.fontSize = font(ch);
      rowBox.appendChild(rl);
    }
  } else if (opts.rowTitle) rowBox.appendChild(ns.el("div", "lk-hm-axis lk-hm-axis-v", opts.rowTitle));
  grid.appendChild(rowBox);

  var plot = ns.el("div", "lk-hm-plot");
  var canvas = document.createElement("canvas");
  canvas.className = "lk-hm-canvas";
  canvas.width = cols; canvas.height = rows;
  canvas.style.width = cols * cw + "px"; canvas.style.height = rows * ch + "px";
  plot.appendChild(canvas);
  var cursor = ns.el("div", "lk-hm-cursor");
  cursor.style.width = cw + "px"; cursor.style.height = ch + "px";
  plot.appendChild(cursor);
  var mark = ns.el("div", "lk-hm-mark");
  plot.appendChild(mark);
  grid.appendChild(plot);
  wrap.appendChild(grid);

  var value = opts.value;
  function draw() {
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(cols, rows), px = img.data, i = 0;
    for (var r = 0; r < rows; r++) {
      for (var c = 0; c < cols; c++) {
        var col = opts.color(value(r, c));
        px[i] = col[0]; px[i + 1] = col[1]; px[i + 2] = col[2]; px[i + 3] = 255; i += 4;
      }
    }
    ctx.putImageData(img, 0, 0);
  }
  function setMark(m) {
    if (!m || m.r < 0 || m.c < 0 || m.r >= rows || m.c >= cols) { mark.style.display = "none"; return; }
    mark.style.display = "block";
    mark.style.left = m.c * cw - 1 + "px"; mark.style.top = m.r * ch - 1 + "px";
    mark.style.width = cw + "px"; mark.style.height = ch + "px";
  }
  function cellAt(ev) {
    var box = canvas.getBoundingClientRect();
    var c = Math.floor((ev.clientX - box.left) / box.width * cols), r = Math.floor((ev.clientY - box.top) / box.height * rows);
    return r >= 0 && r < rows && c >= 0 && c < cols ? { r: r, c: c } : null;
  }
  canvas.addEventListener("mousemove", function (ev) {
    var at = cellAt(ev);
    if (!at) return;
    cursor.style.display = "block";
    cursor.style.left = at.c * cw + "px"; cursor.style.top = at.r * ch + "px";
    if (opts.tip && opts.hover) opts.tip.show(opts.hover(at.r, at.c, value(at.r, at.c)), ev);
  });
  canvas.addEventListener("mouseleave", function () {
    cursor.style.display = "none";
    if (opts.tip) opts.tip.hide();
  });
  if (opts.onClick) canvas.addEventListener("click", function (ev) { var at = cellAt(ev); if (at) opts.onClick(at.r, at.c); });

  draw();
  setMark(opts.mark);
  return {
    el: wrap,
    canvas: canvas,
    redraw: function (newValue, newMark) { value = newValue; draw(); setMark(newMark); }
  };
};

// A small canvas thumbnail of a matrix (no labels), CSS size px × px.
ns.thumbnail = function (values, rows, cols, px) {
  var canvas = document.createElement("canvas");
  canvas.className = "lk-thumb";
  canvas.width = cols; canvas.height = rows;
  canvas.style.width = px + "px"; canvas.style.height = Math.max(1, Math.round(px * rows / cols)) + "px";
  var ctx = canvas.getContext("2d"), img = ctx.createImageData(cols, rows), d = img.data;
  for (var i = 0; i < rows * cols; i++) {
    var col = ns.seq(values[i]);
    d[4 * i] = col[0]; d[4 * i + 1] = col[1]; d[4 * i + 2] = col[2]; d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
};

// A legend bar for the sequential attention scale.
ns.attentionLegend = function () {
  var box = ns.el("div", "lk-legend");
  box.appendChild(ns.el("span", null, "0"));
  box.appendChild(ns.el("span", "lk-legend-bar lk-legend-seq"));
  box.appendChild(ns.el("span", null, "1  attention weight"));
  return box;
};
})();
