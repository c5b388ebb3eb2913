// Model view: every layer (rows) by every head (columns) as a small attention pattern; click one to enlarge it.
// All thumbnails are drawn on one canvas (a thousand small canvases would be slow to create).
(function () {
"use strict";
var ns = window.LessonKitViews;

ns.modules.modelview = function (root, d) {
  var body = root.querySelector(".lk-body");
  var tip = ns.tip(root);
  var L = d.layers, H = d.heads, n = d.n, thumb = d.thumb, gap = 4, pitch = thumb + gap;
  var values = d.data.map(ns.decode);

  // Layout: head numbers above, layer numbers on the left, the canvas of thumbnails.
  var wrap = ns.el("div", "lk-mv-wrap");
  wrap.appendChild(ns.el("div"));
  var headRow = ns.el("div", "lk-mv-heads");
  headRow.style.gridTemplateColumns = "repeat(" + H + ", " + pitch + "px)";
  for (var h = 0; h < H; h++) headRow.appendChild(ns.el("div", "lk-mv-label", "H" + h));
  wrap.appendChild(headRow);
  var layerColumn = ns.el("div", "lk-mv-layers");
  layerColumn.style.gridTemplateRows = "repeat(" + L + ", " + pitch + "px)";
  for (var l = 0; l < L; l++) layerColumn.appendChild(ns.el("div", "lk-mv-label", "L" + l));
  wrap.appendChild(layerColumn);

  var plot = ns.el("div", "lk-mv-plot");
  var canvas = document.createElement("canvas");
  var dpr = Math.min(2, window.devicePixelRatio || 1);
  canvas.className = "lk-mv-canvas";
  canvas.width = H * pitch * dpr; canvas.height = L * pitch * dpr;
  canvas.style.width = H * pitch + "px"; canvas.style.height = L * pitch + "px";
  canvas.setAttribute("data-pitch", String(pitch));
  canvas.setAttribute("data-thumb", String(thumb));
  var hoverBox = ns.el("div", "lk-mv-hover"), selectedBox = ns.el("div", "lk-mv-selected");
  plot.appendChild(canvas); plot.appendChild(hoverBox); plot.appendChild(selectedBox);
  wrap.appendChild(plot);
  body.appendChild(wrap);
  body.appendChild(ns.attentionLegend());

  // Paint every pattern into one atlas image (n pixels per pattern), then scale each tile into place.
  var atlas = document.createElement("canvas");
  atlas.width = H * n; atlas.height = L * n;
  var actx = atlas.getContext("2d"), img = actx.createImageData(H * n, L * n), px = img.data;
  for (l = 0; l < L; l++) {
    for (h = 0; h < H; h++) {
      var v = values[l * H + h];
      for (var r = 0; r < n; r++) {
        for (var c = 0; c < n; c++) {
          var col = ns.seq(v[r * n + c]), i = 4 * ((l * n + r) * H * n + h * n + c);
          px[i] = col[0]; px[i + 1] = col[1]; px[i + 2] = col[2]; px[i + 3] = 255;
        }
      }
    }
  }
  actx.putImageData(img, 0, 0);
  var ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.strokeStyle = "#d0d7de";
  ctx.lineWidth = 1;
  for (l = 0; l < L; l++) {
    for (h = 0; h < H; h++) {
      ctx.drawImage(atlas, h * n, l * n, n, n, h * pitch + gap / 2, l * pitch + gap / 2, thumb, thumb);
      ctx.strokeRect(h * pitch + gap / 2 - 0.5, l * pitch + gap / 2 - 0.5, thumb + 1, thumb + 1);
    }
  }

  function place(box, l, h) {
    box.style.display = "block";
    box.style.left = h * pitch + "px"; box.style.top = l * pitch + "px";
    box.style.width = pitch + "px"; box.style.height = pitch + "px";
  }
  function cellAt(ev) {
    var b = canvas.getBoundingClientRect();
    var h = Math.floor((ev.clientX - b.left) / pitch), l = Math.floor((ev.clientY - b.top) / pitch);
    return l >= 0 && l < L && h >= 0 && h < H ? { l: l, h: h } : null;
  }
  canvas.addEventListener("mousemove", function (ev) {
    var at = cellAt(ev);
    if (!at) return;
    place(hoverBox, at.l, at.h);
    tip.show("Layer " + at.l + ", head " + at.h + " (L" + at.l + "H" + at.h + "): click to enlarge", ev);
  });
  canvas.addEventListener("mouseleave", function () { hoverBox.style.display = "none"; tip.hide(); });

  // The enlarged pattern, shown under the grid.
  var panel = ns.el("div", "lk-mv-panel");
  panel.style.display = "none";
  var bar = ns.el("div", "lk-mv-panel-bar");
  var caption = ns.el("span", "lk-caption");
  var close = ns.el("button", "lk-close", "Close");
  close.type = "button";
  bar.appendChild(caption); bar.appendChild(close);
  panel.appendChild(bar);
  var holder = ns.el("div");
  panel.appendChild(holder);
  body.appendChild(panel);

  function open(l, h) {
    place(selectedBox, l, h);
    caption.textContent = "Layer " + l + " · head " + h + (d.full ? "" : " (shrunk to " + n + " × " + n + " blocks)");
    var v = values[l * H + h], cell = ns.cellSize(n, 480, 2, 28);
    holder.textContent = "";
    var hm = ns.heatmap({
      rows: n, cols: n, cw: cell, ch: cell, tip: tip, color: ns.seq,
      value: function (r, c) { return v[r * n + c]; },
      rowLabels: d.full ? d.tokens : null, colLabels: d.full ? d.tokens : null,
      rowTitle: "query ↓", colTitle: "key →",
      hover: function (r, c, w) {
        return d.full
          ? "L" + l + "H" + h + " · query " + d.fullTokens[r] + " (" + (d.offset + r) + ") → key " + d.fullTokens[c] + " (" + (d.offset + c) + "): " + ns.fmt(w, 2)
          : "L" + l + "H" + h + " · query block " + r + " → key block " + c + ": " + ns.fmt(w, 2);
      }
    });
    holder.appendChild(hm.el);
    panel.style.display = "block";
    panel.setAttribute("data-layer", String(l));
    panel.setAttribute("data-head", String(h));
  }
  canvas.addEventListener("click", function (ev) { var at = cellAt(ev); if (at) open(at.l, at.h); });
  close.addEventListener("click", function () {
    panel.style.display = "none";
    selectedBox.style.display = "none";
  });
};
})();
