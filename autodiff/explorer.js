// The trace explorer's script (autodiff/explorer.py inlines it into each page): it only shows what
// Python wrote into the page's JSON; it computes no number.
function adxInit(root) {
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  var D = JSON.parse(root.querySelector(".adx-data").textContent);
  var $ = function (s) { return root.querySelector(s); };
  var mode = "forward", seed = D.inputs[0], step = 0, timer = null;
  var slider = $(".adx-slider"), select = $(".adx-seed");
  function steps() { return mode === "forward" ? D.forward[seed] : D.reverse; }
  function svg() { return $(".adx-svg-" + mode); }
  // Edge labels as dot drew them (the local partials), to restore after a step shows its contributions.
  var original = {};
  root.querySelectorAll("g.edge").forEach(function (g) {
    var t = g.querySelector("text"); original[g.id] = t ? t.textContent : "";
  });
  function setLabel(g, text) {
    var t = g.querySelector("text");
    if (!t) {
      var p = g.querySelector("path"); if (!p || !text) return;
      var mid = p.getPointAtLength(p.getTotalLength() / 2);
      t = document.createElementNS("http://www.w3.org/2000/svg", "text");
      t.setAttribute("x", mid.x); t.setAttribute("y", mid.y - 4); t.setAttribute("text-anchor", "middle");
      t.setAttribute("font-family", "Helvetica,sans-serif"); t.setAttribute("font-size", "10");
      g.appendChild(t);
    }
    t.textContent = text;
  }
  function cells(kind) { return root.querySelectorAll(".adx-" + kind + " tr"); }
  function fill(kind, values, doneSet, current) {
    cells(kind).forEach(function (tr) {
      var v = tr.dataset.var, td = tr.querySelector(".adx-num"), done = doneSet === null || doneSet[v];
      td.textContent = done && values ? values[v][0] : "";
      if (done && values && values[v][1] !== null) td.dataset.value = values[v][1]; else delete td.dataset.value;
      tr.classList.toggle("adx-current", v === current);
      tr.classList.toggle("adx-pending", !done);
    });
  }
  function show(k) {
    var S = steps(); step = Math.max(0, Math.min(S.length - 1, k));
    var cur = S[step], done = {};
    for (var i = 0; i <= step; i++) done[S[i].var] = true;
    root.dataset.mode = mode; root.dataset.step = String(step + 1); root.dataset.var = cur.var;
    root.querySelectorAll(".adx-svg").forEach(function (s) { s.hidden = !s.classList.contains("adx-svg-" + mode); });
    var s = svg();
    if (s) {
      s.querySelectorAll("g.node").forEach(function (g) {
        var name = g.id.slice(D.uid.length + 4), texts = g.querySelectorAll("text"), last = texts[texts.length - 1];
        var label = mode === "forward" ? D.node_tangent[seed][name] : D.node_adjoint[name];
        if (last) last.textContent = done[name] ? label : label.split(" = ")[0] + " = ?";
        g.classList.toggle("adx-current", name === cur.var);
        g.classList.toggle("adx-pending", !done[name]);
      });
      s.querySelectorAll("g.edge").forEach(function (g) {
        var key = g.id.slice(D.uid.length + 2), at = cur.edges.indexOf(key), on = at >= 0;
        g.classList.toggle("adx-read", on);
        var path = g.querySelector("path");  // edge by edge: each contribution starts a little after the last
        if (path) path.style.animationDelay = on ? (0.25 * at) + "s" : "";
        setLabel(g, on ? cur.labels[key] : original[g.id]);
      });
    }
    fill("primal", D.primal, mode === "forward" ? done : null, mode === "forward" ? cur.var : null);
    fill("tangent", mode === "forward" ? D.tangent[seed] : null, mode === "forward" ? done : {}, mode === "forward" ? cur.var : null);
    fill("adjoint", mode === "reverse" ? D.adjoint : null, mode === "reverse" ? done : {}, mode === "reverse" ? cur.var : null);
    $(".adx-tangent").classList.toggle("adx-off", mode !== "forward");
    $(".adx-adjoint").classList.toggle("adx-off", mode !== "reverse");
    $(".adx-seedname").textContent = mode === "forward" ? "seeded with \u2202/\u2202" + seed : "";
    $(".adx-eq").innerHTML = cur.eq;
    $(".adx-eq2").innerHTML = mode === "forward" ? "with " + cur.primal : (step === 0 ? "seed: the output's adjoint" : "contributions flow back along the highlighted edges: v\u0304\u2c7c\u00b7\u2202v\u2c7c/\u2202v\u1d62");
    slider.max = String(S.length); slider.value = String(step + 1);
    $(".adx-counter").textContent = (mode === "forward" ? "forward" : "reverse") + " step " + (step + 1) + " / " + S.length;
    $(".adx-prev").disabled = step === 0; $(".adx-next").disabled = step === S.length - 1;
    select.disabled = mode !== "forward";
  }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) {
      if (step === steps().length - 1) show(0);
      timer = setInterval(function () { if (step >= steps().length - 1) play(false); else show(step + 1); }, 1100);
    }
    var b = $(".adx-play"); b.textContent = on ? "\u275a\u275a pause" : "\u25b6 play"; b.setAttribute("aria-label", on ? "pause" : "play");
  }
  $(".adx-prev").addEventListener("click", function () { play(false); show(step - 1); });
  $(".adx-next").addEventListener("click", function () { play(false); show(step + 1); });
  $(".adx-play").addEventListener("click", function () { play(!timer); });
  slider.addEventListener("input", function () { play(false); show(Number(slider.value) - 1); });
  select.addEventListener("change", function () { seed = select.value; show(step); });
  root.querySelectorAll("input[type=radio]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) { play(false); mode = r.value; show(0); } });
  });
  root.addEventListener("keydown", function (e) {
    var t = e.target.tagName;
    if (t === "SELECT" || (t === "INPUT" && e.target.type === "range")) return;
    var keys = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
    if (e.key in keys) { play(false); show(step + keys[e.key]); }
    else if (e.key === "Home") { play(false); show(0); }
    else if (e.key === "End") { play(false); show(steps().length - 1); }
    else if (e.key === " " && t !== "BUTTON") { play(!timer); }
    else return;
    e.preventDefault();
  });
  show(0);
}
