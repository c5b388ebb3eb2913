// Attention patterns (after CircuitsVis): one small pattern per head; hover one to preview it, click to keep it;
// the large pattern below has the tokens on both axes and shows the weight under the pointer.
(function () {
"use strict";
var ns = window.LessonKitViews;

ns.modules.patterns = function (root, d) {
  var body = root.querySelector(".lk-body");
  var tip = ns.tip(root);
  var n = d.n, values = d.m.map(ns.decode), locked = d.focus, shown = d.focus;

  var thumbs = [];
  if (!d.single) {
    var strip = ns.el("div", "lk-pt-heads");
    var px = Math.max(48, Math.min(96, n * 4));
    values.forEach(function (v, h) {
      var b = ns.el("button", "lk-pt-head");
      b.type = "button";
      b.setAttribute("data-head", String(h));
      b.title = d.headLabels[h] + ": hover to preview, click to select";
      b.appendChild(ns.thumbnail(v, n, n, px));
      b.appendChild(ns.el("div", "lk-pt-head-label", d.headLabels[h]));
      strip.appendChild(b);
      thumbs.push(b);
    });
    body.appendChild(strip);
  }

  var caption = ns.el("div", "lk-caption");
  body.appendChild(caption);
  var cell = ns.cellSize(n, 560, 2, 30);
  var hm = ns.heatmap({
    rows: n, cols: n, cw: cell, ch: cell, tip: tip, color: ns.seq,
    value: function (r, c) { return values[shown][r * n + c]; },
    rowLabels: d.tokens, colLabels: d.tokens, rowTitle: "query ↓", colTitle: "key →",
    hover: function (r, c, w) {
      return d.headLabels[shown] + " · query " + d.fullTokens[r] + " (" + (d.offset + r) + ") → key " +
        d.fullTokens[c] + " (" + (d.offset + c) + "): " + ns.fmt(w, d.digits);
    }
  });
  body.appendChild(hm.el);
  body.appendChild(ns.attentionLegend());

  function show(h) {
    shown = h;
    caption.textContent = "Layer " + d.layer + " · " + d.headLabels[h] + (d.single || h === locked ? "" : " (preview)");
    thumbs.forEach(function (b, i) {
      b.classList.toggle("lk-selected", i === locked);
      b.setAttribute("aria-pressed", i === locked ? "true" : "false");
    });
    hm.redraw(function (r, c) { return values[h][r * n + c]; });
    root.setAttribute("data-head", String(h));
  }
  thumbs.forEach(function (b, h) {
    b.addEventListener("mouseenter", function () { show(h); });
    b.addEventListener("mouseleave", function () { show(locked); });
    b.addEventListener("click", function () { locked = h; show(h); });
  });
  show(locked);
};
})();
