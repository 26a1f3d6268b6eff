// The hall screen live: the server sends a "screen" event with the screen's HTML whenever it
// changes; this swaps it in and counts the current speech down. Without this script the page
// shows the time limit and refreshes itself every few seconds.
"use strict";
(function () {
  var hall = document.getElementById("hall");
  if (!hall) return;
  var skew = 0; // server clock minus this clock, in milliseconds

  function sync() {
    var stamped = hall.querySelector("[data-now]");
    if (stamped) skew = Date.parse(stamped.getAttribute("data-now")) - Date.now();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var clocks = hall.querySelectorAll("[data-ends-at]");
    for (var i = 0; i < clocks.length; i++) {
      var left = Math.round((Date.parse(clocks[i].getAttribute("data-ends-at")) - (Date.now() + skew)) / 1000);
      var shown = Math.abs(left);
      var text = Math.floor(shown / 60) + ":" + pad(shown % 60);
      clocks[i].textContent = left >= 0 ? text : "-" + text;
      clocks[i].classList.toggle("over", left < 0);
    }
  }

  sync();
  tick();
  window.setInterval(tick, 1000);
  if (!window.EventSource) return;
  var source = new EventSource(hall.getAttribute("data-stream"));
  source.addEventListener("screen", function (event) {
    var frame = JSON.parse(event.data);
    hall.innerHTML = frame.html;
    sync();
    tick();
  });
})();
