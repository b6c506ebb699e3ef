// A copy of the hosted flow's kit (flow/static/webauthn-kit.js): the back office serves its own assets.
// Shared by passkey enrolment (passkey.js) and "Confirm it's you" (consent-passkey.js):
// base64url conversions and a JSON POST with the page's CSRF token.
window.GangwayWebAuthn = (function () {
  "use strict";
  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : "{}"
    }).then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  }
  // Wires ``button`` to ``ceremony`` (a promise factory) and shows ``errorBox`` on failure.
  function bind(button, errorBox, ceremony) {
    if (!button || !window.PublicKeyCredential || !navigator.credentials) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      errorBox.hidden = true;
      ceremony().then(function (result) { window.location.assign(result.next); }, function () {
        errorBox.textContent = button.dataset.failed;
        errorBox.hidden = false;
        button.disabled = false;
      });
    });
  }
  return { toBytes: toBytes, toB64url: toB64url, post: post, bind: bind };
})();
