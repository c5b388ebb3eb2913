// Head finder: the ranking table is static HTML; this script draws the pattern of the selected row's head,
// with the (from, to) cell marked. Click another row (among the top ones) to see its head.
(function () {
"use strict";
var ns = window.LessonKitViews;

ns.modules.headfinder = function (root, d) {
  var body = root.querySelector(".lk-body");
  var tip = ns.tip(root);
  var n = d.n, values = {}, selected = 0;
  var panel = root.querySelector(".lk-hf-pattern");
  var caption = ns.el("div", "lk-caption");
  panel.appendChild(caption);
  function get(i) { return values[i] || (values[i] = ns.decode(d.entries[i].m)); }

  var cell = ns.cellSize(n, 460, 2, 28);
  var mark = d.to >= 0 ? { r: d.from, c: d.to } : null;
  var hm = ns.heatmap({
    rows: n, cols: n, cw: cell, ch: cell, tip: tip, color: ns.seq, mark: mark,
    value: function (r, c) { return get(selected)[r * n + c]; },
    rowLabels: d.tokens, colLabels: d.tokens, rowTitle: "query ↓", colTitle: "key →",
    hover: function (r, c, w) {
      var e = d.entries[selected];
      return "L" + e.layer + "H" + e.head + " · query " + d.fullTokens[r] + " (" + (d.offset + r) + ") → key " +
        d.fullTokens[c] + " (" + (d.offset + c) + "): " + ns.fmt(w, d.digits);
    }
  });
  panel.appendChild(hm.el);
  panel.appendChild(ns.attentionLegend());

  var rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-index]"));
  function select(i) {
    selected = i;
    var e = d.entries[i];
    caption.textContent = "Layer " + e.layer + " · head " + e.head + " (rank " + (i + 1) + "): " +
      e.score + " of the attention from position " + d.fromPosition + " goes to position " + d.toPosition;
    rows.forEach(function (r) { r.classList.toggle("lk-selected", parseInt(r.getAttribute("data-index"), 10) === i); });
    hm.redraw(function (r, c) { return get(i)[r * n + c]; }, mark);
    root.setAttribute("data-layer", String(e.layer));
    root.setAttribute("data-head", String(e.head));
  }
  rows.forEach(function (r) {
    var i = parseInt(r.getAttribute("data-index"), 10);
    if (i < d.entries.length) {
      r.classList.add("lk-clickable");
      r.title = "Click to see this head's pattern";
      r.addEventListener("click", function () { select(i); });
    }
  });
  select(0);
};
})();
