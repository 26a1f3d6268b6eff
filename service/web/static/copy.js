// Copy the receipt with one tap. Without this script the receipt is still selectable text
// and the download button still works.
"use strict";
document.querySelectorAll("[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = document.querySelector("[data-copied]");
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      if (status) status.textContent = button.getAttribute("data-t-copied");
    }, function () {
      field.select();
    });
  });
});
