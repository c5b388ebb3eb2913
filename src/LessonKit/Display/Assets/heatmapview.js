// A heatmap of a matrix: a positional encoding (rows are positions, columns dimensions) or any matrix from
// Plots.Heatmap. The colour scale is sequential (white to blue, lo to hi) or diverging (red, white at 0, blue; -hi to hi).
// NaN cells are grey; ±∞ take the ends of the scale. Hover a cell for its row, column and value.
(function () {
"use strict";
var ns = window.LessonKitViews;
var NAN_COLOR = [175, 184, 193];

// A value as text: NaN, ∞ and -∞ spelled out.
function valueText(v, digits) {
  if (v !== v) return "NaN";
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "-∞";
  return ns.fmt(v, digits);
}

// "row 3", "layer L3" or just "L3": the axis title, then the label (or the index when there are no labels).
function named(title, name) { return title ? title + " " + name : name; }

// Index labels 0, step, 2·step, … for a matrix without labels of its own.
function indices(n, step) {
  var out = [];
  for (var i = 0; i < n; i++) out.push(String(i * step));
  return out;
}

ns.modules.heatmap = function (root, d) {
  var body = root.querySelector(".lk-body");
  var tip = ns.tip(root);
  var values = d.floats ? ns.decodeFloats(d.floats, d.rows * d.cols, d.wide) : ns.decode(d.m);
  var lo = d.lo, hi = d.hi;
  var color = d.scale === "seq"
    ? function (v) { return v !== v ? NAN_COLOR : ns.seq((v - lo) / (hi - lo)); }
    : function (v) { return v !== v ? NAN_COLOR : ns.div(v / hi); };
  var rowNames = d.rowNames || indices(d.rows, d.rowStep), colNames = d.colNames || indices(d.cols, d.colStep);
  var rowLabels = d.rowLabels || (d.indexLabels ? rowNames : null), colLabels = d.colLabels || (d.indexLabels ? colNames : null);
  var max = d.maxCell || 16;
  var cw = ns.cellSize(d.cols, 760, 1, max), ch = ns.cellSize(d.rows, 420, 1, max);
  // With labels on both axes the axis titles are not drawn beside them, so they head the view instead.
  if (rowLabels && colLabels && ch >= 9 && cw >= 9) body.appendChild(ns.el("div", "lk-hint lk-hm-titles", d.rowTitle + " ↓ · " + d.colTitle + " →"));
  var hm = ns.heatmap({
    rows: d.rows, cols: d.cols, cw: cw, ch: ch, tip: tip, color: color,
    value: function (r, c) { return values[r * d.cols + c]; },
    rowLabels: rowLabels, colLabels: colLabels,
    rowTitle: d.rowTitle + " 0–" + (d.rows - 1) * d.rowStep + " ↓", colTitle: d.colTitle + " 0–" + (d.cols - 1) * d.colStep + " →",
    hover: function (r, c, v) {
      return named(d.rowTitle, rowNames[r]) + " · " + named(d.colTitle, colNames[c]) + ": " + valueText(v, d.digits);
    }
  });
  body.appendChild(hm.el);
  var legend = ns.el("div", "lk-legend");
  legend.appendChild(ns.el("span", "lk-legend-lo", valueText(d.scale === "seq" ? lo : -hi, d.digits)));
  legend.appendChild(ns.el("span", "lk-legend-bar " + (d.scale === "seq" ? "lk-legend-seq" : "lk-legend-div")));
  legend.appendChild(ns.el("span", "lk-legend-hi", (d.scale === "seq" ? "" : "+") + valueText(hi, d.digits)));
  if (d.nan) {
    legend.appendChild(ns.el("span", "lk-legend-nan"));
    legend.appendChild(ns.el("span", null, "NaN"));
  }
  body.appendChild(legend);
};
})();
