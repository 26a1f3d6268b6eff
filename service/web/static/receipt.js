// Check a receipt on this page, trusting the server for nothing but the proof's hashes:
// hash the receipt here (SHA-256, WebCrypto), ask only for the proof of that hash, and
// follow the RFC 6962 / RFC 9162 section 2.1.3.2 audit path to the sealed box's root
// printed on the page. The receipt itself never leaves the browser. Without this script
// (or without WebCrypto) the form posts and the server checks.
"use strict";
(function () {
  var form = document.getElementById("check-form");
  var out = document.getElementById("check-result");
  if (!form || !out || !window.crypto || !crypto.subtle || !window.fetch) return;
  var t = function (key) { return form.getAttribute("data-t-" + key); };

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function unhex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }
  function concat(parts) {
    var size = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var all = new Uint8Array(size), at = 0;
    parts.forEach(function (p) { all.set(p, at); at += p.length; });
    return all;
  }
  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }
  function tokenBytes(token) {
    var b64 = token.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    if (bytes.length !== 32) throw new Error("not 32 bytes");
    return bytes;
  }
  // RFC 9162 section 2.1.3.2: verify an inclusion proof.
  function verifyInclusion(leaf, index, size, path, root) {
    if (index >= size) return Promise.resolve(false);
    var fn = index, sn = size - 1, r = Promise.resolve(leaf);
    var i = 0;
    function step(current) {
      if (i === path.length) return sn === 0 && hex(current) === hex(root);
      if (sn === 0) return false;
      var p = path[i++], joined;
      if ((fn & 1) === 1 || fn === sn) {
        joined = concat([new Uint8Array([1]), p, current]);
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
        }
      } else {
        joined = concat([new Uint8Array([1]), current, p]);
      }
      fn >>= 1; sn >>= 1;
      return sha256(joined).then(step);
    }
    return r.then(step);
  }
  function say(message, ok) {
    out.innerHTML = "";
    var p = document.createElement("p");
    p.className = "notice " + (ok ? "success" : "problem");
    p.textContent = message;
    out.appendChild(p);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = form.elements.receipt.value.trim(), raw;
    try { raw = tokenBytes(token); } catch (e) { say(t("invalid"), false); return; }
    say(t("checking"), true);
    var contest = unhex(form.getAttribute("data-contest").replace(/-/g, ""));
    var root = unhex(form.getAttribute("data-root"));
    var domain = new TextEncoder().encode("plenary receipt v1");
    sha256(concat([domain, contest, raw])).then(function (receiptHash) {
      return fetch(form.getAttribute("data-proof") + hex(receiptHash), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (response.status === 404) { say(t("missing"), false); return null; }
        if (!response.ok) { say(t("failed"), false); return null; }
        return response.json().then(function (proof) {
          if (proof.receipts_root !== form.getAttribute("data-root")) { say(t("bad"), false); return; }
          return sha256(concat([new Uint8Array([0]), receiptHash])).then(function (leaf) {
            return verifyInclusion(leaf, proof.index, proof.size, proof.proof.map(unhex), root);
          }).then(function (holds) {
            if (holds) { say(t("ok"), true); out.setAttribute("data-verified", "browser"); }
            else say(t("bad"), false);
          });
        });
      });
    }).catch(function () { say(t("failed"), false); });
  });
})();
