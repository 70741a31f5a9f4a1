// MathJax 3 for the chapters, from the site's own files (no CDN). mkdocs-jupyter loads this script where it
// would load MathJax; it sets the notebooks' delimiters ($…$, $$…$$) and loads tex-svg.js beside it. SVG
// output needs no web fonts, so the formulas render from a page opened straight from disk too.
window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]], processEscapes: true},
  svg: {fontCache: "global"}
};
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  var s = document.createElement("script");
  s.src = here + "mathjax/tex-svg.js";
  s.async = true;
  document.head.appendChild(s);
})();
