// Rank candidates by tapping, dragging or with the keyboard alone. The number boxes stay the
// form's real fields: this script hides them and fills them in, so the server reads exactly
// what it reads without JavaScript. Announcements go to a live region for screen readers.
"use strict";
(function () {
  var box = document.querySelector("[data-ranked]");
  if (!box) return;
  var t = function (key, values) {
    var text = box.getAttribute("data-t-" + key) || key;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  };
  var inputs = Array.prototype.slice.call(box.querySelectorAll(".number-boxes input"));
  var order = inputs.filter(function (i) { return /^\d+$/.test(i.value.trim()); })
    .sort(function (a, b) { return parseInt(a.value, 10) - parseInt(b.value, 10); });
  var boxes = box.querySelector(".number-boxes");
  var hint = document.getElementById("rank-hint");
  if (box.querySelector(".field-error")) return; // keep the boxes while there are errors

  var ui = document.createElement("div");
  ui.className = "rank-ui";
  var help = document.createElement("p");
  help.className = "hint";
  help.id = "rank-help";
  help.textContent = t("help");
  var h1 = document.createElement("h3"); h1.id = "ranked-h"; h1.textContent = t("ranked");
  var ranked = document.createElement("ol"); ranked.className = "ranked";
  ranked.setAttribute("aria-labelledby", "ranked-h");
  var h2 = document.createElement("h3"); h2.id = "unranked-h"; h2.textContent = t("unranked");
  var unranked = document.createElement("ul"); unranked.className = "unranked";
  unranked.setAttribute("aria-labelledby", "unranked-h");
  var live = document.createElement("p");
  live.className = "visually-hidden"; live.setAttribute("aria-live", "assertive");
  ui.append(help, h1, ranked, h2, unranked, live);
  boxes.hidden = true;
  if (hint) hint.hidden = true;
  box.appendChild(ui);

  function nameOf(input) { return input.getAttribute("data-name"); }
  function announce(text) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 50); }
  function button(label, text, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = cls || "small secondary";
    b.setAttribute("aria-label", label); b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }
  function move(input, to, focusSelector) {
    var from = order.indexOf(input);
    if (from >= 0) order.splice(from, 1);
    if (to !== null) order.splice(Math.max(0, Math.min(to, order.length)), 0, input);
    render();
    if (to === null) announce(t("removed", { name: nameOf(input) }));
    else announce(t("now", { name: nameOf(input), number: order.indexOf(input) + 1 }));
    var again = ui.querySelector('[data-for="' + input.id + '"] ' + (focusSelector || ".grip"));
    if (again) again.focus();
    else if (to === null) { var first = unranked.querySelector("button"); if (first) first.focus(); }
  }
  function render() {
    inputs.forEach(function (i) { i.value = ""; });
    order.forEach(function (input, n) { input.value = String(n + 1); });
    ranked.innerHTML = ""; unranked.innerHTML = "";
    if (!order.length) {
      var empty = document.createElement("li"); empty.className = "empty"; empty.textContent = t("empty");
      ranked.appendChild(empty);
    }
    order.forEach(function (input, n) {
      var name = nameOf(input);
      var li = document.createElement("li");
      li.setAttribute("data-for", input.id);
      var grip = document.createElement("span");
      grip.className = "grip"; grip.textContent = "⠿"; grip.tabIndex = 0;
      grip.setAttribute("role", "button");
      grip.setAttribute("aria-label", t("grip", { name: name, number: n + 1 }));
      grip.setAttribute("aria-describedby", "rank-help");
      var pos = document.createElement("span"); pos.className = "pos"; pos.textContent = String(n + 1);
      var label = document.createElement("span"); label.className = "name"; label.textContent = name;
      li.append(grip, pos, label,
        button(t("up", { name: name }), "↑", "small secondary up", function () { move(input, n - 1, ".up"); }),
        button(t("down", { name: name }), "↓", "small secondary down", function () { move(input, n + 1, ".down"); }),
        button(t("remove", { name: name }), "✕", "small secondary remove", function () { move(input, null); }));
      grip.addEventListener("keydown", function (e) {
        if (e.key === "ArrowUp") { e.preventDefault(); move(input, n - 1); }
        else if (e.key === "ArrowDown") { e.preventDefault(); move(input, n + 1); }
        else if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); move(input, null); }
      });
      dragWith(grip, li, input);
      ranked.appendChild(li);
    });
    inputs.forEach(function (input) {
      if (order.indexOf(input) >= 0) return;
      var li = document.createElement("li");
      li.setAttribute("data-for", input.id);
      var b = button(t("add", { name: nameOf(input) }), nameOf(input), "name", function () { move(input, order.length); });
      li.appendChild(b);
      unranked.appendChild(li);
    });
  }
  // Pointer dragging (mouse, touch and pen alike): the item follows the pointer's row.
  function dragWith(handle, li, input) {
    handle.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      handle.setPointerCapture(e.pointerId);
      li.classList.add("dragging");
      var target = order.indexOf(input);
      function over(ev) {
        var items = Array.prototype.slice.call(ranked.children);
        target = items.length;
        for (var k = 0; k < items.length; k++) {
          var r = items[k].getBoundingClientRect();
          if (ev.clientY < r.top + r.height / 2) { target = k; break; }
        }
        items.forEach(function (it, k) { it.style.borderTopWidth = k === target ? "4px" : ""; });
      }
      function up() {
        handle.removeEventListener("pointermove", over);
        handle.removeEventListener("pointerup", up);
        handle.removeEventListener("pointercancel", up);
        li.classList.remove("dragging");
        var from = order.indexOf(input);
        move(input, target > from ? target - 1 : target);
      }
      handle.addEventListener("pointermove", over);
      handle.addEventListener("pointerup", up);
      handle.addEventListener("pointercancel", up);
    });
  }
  render();
})();
