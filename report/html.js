// Search and click-to-filter for leakhound's report. The page reads
// without it; this only hides, dims and zooms what is already there.
(function () {
  "use strict";
  var W = 1200;
  var svg = document.getElementById("icicle");
  var tools = document.getElementById("tools");
  var search = document.getElementById("search");
  var status = document.getElementById("status");
  if (!svg || !tools) return;
  tools.hidden = false;
  var nodes = Array.prototype.slice.call(svg.querySelectorAll("g.n"));
  var byId = {};
  nodes.forEach(function (g) {
    g.li = {
      id: +g.getAttribute("data-i"),
      p: +g.getAttribute("data-p"),
      x: +g.querySelector("rect").getAttribute("x"),
      w: +g.querySelector("rect").getAttribute("width"),
      fn: g.getAttribute("data-n"),
      rect: g.querySelector("rect"),
      text: g.querySelector("text")
    };
    byId[g.li.id] = g;
  });
  // path returns the functions from the top of the chart down to g.
  function path(g) {
    var out = [];
    for (var n = g; n && n.li.p >= 0; n = byId[n.li.p]) out.unshift(n.li.fn);
    return out;
  }
  function under(g, top) {
    for (var n = g; n; n = n.li.p >= 0 ? byId[n.li.p] : null) if (n === top) return true;
    return false;
  }
  var items = Array.prototype.slice.call(document.querySelectorAll("#groups tbody tr, article.card"));
  // Each group knows the deepest box of the chart on its stack: its
  // frames down to there are searched with its own text.
  items.forEach(function (el) {
    el.lnode = byId[el.getAttribute("data-node")] || byId[0];
    el.ltext = el.textContent.toLowerCase() + "\n" + path(el.lnode).join("\n").toLowerCase();
  });
  var zoom = null, query = "";
  // fit is the page's fit in Go: the name without its import path, then
  // without its package, then cut.
  function fit(s, w) {
    var n = Math.floor((w - 6) / 7);
    if (n < 3) return "";
    var short = s.slice(s.lastIndexOf("/") + 1);
    if (short.length <= n) return short;
    var dot = short.indexOf(".");
    if (dot >= 0 && short.length - dot - 1 <= n) return short.slice(dot + 1);
    return short.slice(0, n - 1) + "\u2026";
  }
  function layout() {
    var top = zoom || byId[0];
    var tx = top.li.x, tw = top.li.w || W;
    nodes.forEach(function (g) {
      var l = g.li, show = under(g, top) || under(top, g);
      g.classList.toggle("off", !show);
      if (!show) return;
      var x = under(g, top) ? (l.x - tx) * W / tw : 0;
      var w = under(g, top) ? l.w * W / tw : W;
      l.rect.setAttribute("x", x.toFixed(1));
      l.rect.setAttribute("width", w.toFixed(1));
      if (l.text) { l.text.setAttribute("x", x.toFixed(1)); l.text.textContent = fit(l.fn, w); }
    });
  }
  function filter() {
    var shown = 0;
    items.forEach(function (el) {
      var ok = !zoom || under(el.lnode, zoom);
      if (ok && query) ok = el.ltext.indexOf(query) >= 0;
      el.classList.toggle("off", !ok);
      if (ok && el.tagName === "TR") shown++;
    });
    svg.classList.toggle("searching", query !== "");
    var hits = 0;
    nodes.forEach(function (g) {
      var hit = query !== "" && g.li.fn.toLowerCase().indexOf(query) >= 0;
      g.classList.toggle("hit", hit);
      if (hit) hits++;
    });
    var parts = [];
    if (zoom && zoom.li.p >= 0) parts.push("within " + zoom.li.fn);
    if (query) parts.push(hits + " frames match");
    parts.push(shown + " groups shown");
    status.textContent = parts.join("; ");
  }
  svg.addEventListener("click", function (ev) {
    var g = ev.target.closest ? ev.target.closest("g.n") : null;
    if (!g) return;
    zoom = g.li.p >= 0 ? g : null;
    layout();
    filter();
  });
  search.addEventListener("input", function () {
    query = search.value.trim().toLowerCase();
    filter();
  });
  document.getElementById("reset").addEventListener("click", function () {
    zoom = null; query = ""; search.value = "";
    layout();
    filter();
  });
  filter();
})();
