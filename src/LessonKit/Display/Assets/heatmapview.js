// A signed heatmap (positional encodings): rows are positions, columns are dimensions, red negative, blue positive.
(function () {
"use strict";
var ns = window.LessonKitViews;

ns.modules.heatmap = function (root, d) {
  var body = root.querySelector(".lk-body");
  var tip = ns.tip(root);
  var values = ns.decode(d.m), scale = d.maxAbs > 0 ? d.maxAbs : 1;
  var cw = ns.cellSize(d.cols, 760, 1, 16), ch = ns.cellSize(d.rows, 420, 1, 16);
  var hm = ns.heatmap({
    rows: d.rows, cols: d.cols, cw: cw, ch: ch, tip: tip,
    color: function (v) { return ns.div(v / scale); },
    value: function (r, c) { return values[r * d.cols + c]; },
    rowTitle: d.rowTitle + " 0–" + (d.rows - 1) * d.rowStep + " ↓", colTitle: d.colTitle + " 0–" + (d.cols - 1) * d.colStep + " →",
    hover: function (r, c, v) {
      return d.rowTitle + " " + r * d.rowStep + " · " + d.colTitle + " " + c * d.colStep + ": " + ns.fmt(v, d.digits);
    }
  });
  body.appendChild(hm.el);
  var legend = ns.el("div", "lk-legend");
  legend.appendChild(ns.el("span", null, ns.fmt(-scale, 2)));
  legend.appendChild(ns.el("span", "lk-legend-bar lk-legend-div"));
  legend.appendChild(ns.el("span", null, "+" + ns.fmt(scale, 2)));
  body.appendChild(legend);
};
})();
