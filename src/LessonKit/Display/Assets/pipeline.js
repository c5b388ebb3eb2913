// Pipeline explainer: the static stages are HTML; this script draws the attention stage (each layer's pattern,
// averaged over its heads) and the MLP stage (how strongly each layer's neurons fire at each token).
(function () {
"use strict";
var ns = window.LessonKitViews;

ns.modules.pipeline = function (root, d) {
  var tip = ns.tip(root);
  var attnBox = root.querySelector(".lk-pl-attn");
  if (attnBox && d.attn) {
    var a = d.attn, n = a.side;
    var grid = ns.el("div", "lk-pl-layers");
    a.m.forEach(function (q, l) {
      var v = ns.decode(q), fig = ns.el("figure", "lk-pl-layer");
      fig.setAttribute("data-layer", String(l));
      var cell = ns.cellSize(n, 150, 1, 12);
      var hm = ns.heatmap({
        rows: n, cols: n, cw: cell, ch: cell, tip: tip, color: ns.seq,
        value: function (r, c) { return v[r * n + c]; },
        hover: function (r, c, w) {
          return a.full
            ? "Layer " + l + " (mean of " + a.heads + " heads) · " + a.fullTokens[r] + " (" + (a.offset + r) + ") → " + a.fullTokens[c] + " (" + (a.offset + c) + "): " + ns.fmt(w, 3)
            : "Layer " + l + " (mean of " + a.heads + " heads) · block (" + r + ", " + c + "): " + ns.fmt(w, 3);
        }
      });
      fig.appendChild(hm.el);
      fig.appendChild(ns.el("figcaption", null, "Layer " + l));
      grid.appendChild(fig);
    });
    attnBox.appendChild(grid);
    attnBox.appendChild(ns.attentionLegend());
  }

  var mlpBox = root.querySelector(".lk-pl-mlp");
  if (mlpBox && d.mlp) {
    // Colours run from the smallest to the largest magnitude so differences between tokens and layers show.
    var m = d.mlp, values = ns.decode(m.m), lo = Infinity, hi = -Infinity;
    for (var i = 0; i < values.length; i++) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); }
    var span = hi > lo ? hi - lo : 1;
    var cw = ns.cellSize(m.n, 640, 2, 40), ch = ns.cellSize(m.layers, 320, 4, 24);
    var layerLabels = [];
    for (var l = 0; l < m.layers; l++) layerLabels.push("L" + l);
    var heat = ns.heatmap({
      rows: m.layers, cols: m.n, cw: cw, ch: ch, tip: tip,
      color: function (v) { return ns.seq((v - lo) / span); },
      value: function (r, c) { return values[r * m.n + c]; },
      rowLabels: layerLabels, colLabels: m.tokens, rowTitle: "layer ↓", colTitle: "token →",
      hover: function (r, c, v) {
        return "Layer " + r + " · token " + m.fullTokens[c] + " (" + (m.offset + c) + "): mean |activation| " + ns.fmt(v, 3);
      }
    });
    mlpBox.appendChild(heat.el);
    var legend = ns.el("div", "lk-legend");
    legend.appendChild(ns.el("span", null, ns.fmt(lo, 3)));
    legend.appendChild(ns.el("span", "lk-legend-bar lk-legend-seq"));
    legend.appendChild(ns.el("span", null, ns.fmt(hi, 3) + "  mean |MLP activation|"));
    mlpBox.appendChild(legend);
  }
};
})();
