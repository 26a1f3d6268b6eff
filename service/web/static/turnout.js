// Live turnout for the returning officer: the server sends a "turnout" event each second
// while the contest is open. Without this script the page shows the figures when loaded.
"use strict";
(function () {
  var out = document.querySelector("[data-live][data-stream]");
  if (!out || !window.EventSource) return;
  var template = out.textContent.trim();
  var first = /(\d+)\D+(\d+)/.exec(template);
  if (!first) return;
  var source = new EventSource(out.getAttribute("data-stream"));
  source.addEventListener("turnout", function (event) {
    var t = JSON.parse(event.data);
    var voted = String(t.voted), electorate = String(t.electorate);
    var i = 0;
    out.textContent = template.replace(/\d+/g, function () { return i++ === 0 ? voted : electorate; });
    if (t.state !== "open") source.close();
  });
})();
