/* Client-side search over the index this site ships (search-index.js sets TRACKER_SEARCH).
   Results are built with textContent only: stored text never becomes markup. */
(function () {
  "use strict";
  var data = window.TRACKER_SEARCH || { entries: [] };
  var KINDS = ["forecaster", "question", "quote", "source"];
  var MAX_RESULTS = 200;
  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var folded = data.entries.map(function (e) { return fold(e[1] + " " + e[2]); });
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("results");
  function run(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var words = fold(query).split(/\s+/).filter(function (w) { return w.length > 0; });
    if (!words.length) { status.textContent = data.note; return; }
    var found = 0;
    for (var i = 0; i < folded.length; i++) {
      var text = folded[i];
      var all = true;
      for (var j = 0; j < words.length; j++) {
        if (text.indexOf(words[j]) < 0) { all = false; break; }
      }
      if (!all) { continue; }
      found++;
      if (found > MAX_RESULTS) { continue; }
      var e = data.entries[i];
      var li = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = KINDS[e[0]] || "";
      var a = document.createElement("a");
      a.href = e[3];
      var main = document.createElement("bdi");
      main.textContent = e[1];
      a.appendChild(main);
      li.appendChild(kind);
      li.appendChild(a);
      if (e[2]) {
        var sub = document.createElement("div");
        sub.className = "muted";
        var subText = document.createElement("bdi");
        subText.textContent = e[2];
        sub.appendChild(subText);
        li.appendChild(sub);
      }
      list.appendChild(li);
    }
    status.textContent = found === 0 ? "No match." :
      found + (found === 1 ? " match" : " matches") + (found > MAX_RESULTS ? ", the first " + MAX_RESULTS + " shown." : ".");
  }
  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  run(initial);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    run(input.value);
  });
  input.addEventListener("input", function () { run(input.value); });
})();
