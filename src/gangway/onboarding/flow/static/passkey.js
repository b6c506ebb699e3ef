// Passkey enrolment on the security step (the only step that needs JavaScript).
(function () {
  "use strict";
  var button = document.getElementById("add-passkey");
  var errorBox = document.getElementById("passkey-error");
  if (!button || !window.PublicKeyCredential || !navigator.credentials) { return; }
  button.hidden = false;

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
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": button.dataset.csrf },
      body: body ? JSON.stringify(body) : "{}"
    }).then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  }
  function fail() {
    errorBox.textContent = button.dataset.failed;
    errorBox.hidden = false;
    button.disabled = false;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    errorBox.hidden = true;
    post("/flow/passkey-options").then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post("/flow/passkey-register", {
        id: credential.id,
        rawId: toB64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toB64url(response.clientDataJSON),
          attestationObject: toB64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : []
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment
      });
    }).then(function (result) { window.location.assign(result.next); }, fail);
  });
})();
