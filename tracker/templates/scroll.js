// The scroll cue: a table or figure wider than its box scrolls sideways inside it; this marks each such box (and
// unmarks it when the window grows or fewer columns are shown), so that the stylesheet shades its right edge and
// a line above it says so. Without the script the boxes still scroll; only the cue is missing.
(function () {
  "use strict";
  function mark() {
    var boxes = document.querySelectorAll(".scroll, figure");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var wide = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("overflows", wide);
      var cue = box.previousElementSibling;
      if (!(cue && cue.className === "scroll-cue")) {
        if (!wide) continue;
        cue = document.createElement("p");
        cue.className = "scroll-cue";
        cue.textContent = "Wider than the window: scroll sideways for more \u2192";
        box.parentNode.insertBefore(cue, box);
      }
      cue.hidden = !wide;
    }
  }
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
  document.addEventListener("change", mark); // the "more columns" switch
})();
