// Staff passkeys: enrolment on the second-factor setup page, and the second factor at login.
// The endpoints and the CSRF token come from the data attributes of the page's container.
(function () {
  "use strict";
  var kit = window.GangwayWebAuthn;
  if (!kit) { return; }

  function credentialJson(credential, assertion) {
    var r = credential.response, response;
    if (assertion) {
      response = {
        clientDataJSON: kit.toB64url(r.clientDataJSON),
        authenticatorData: kit.toB64url(r.authenticatorData),
        signature: kit.toB64url(r.signature),
        userHandle: r.userHandle ? kit.toB64url(r.userHandle) : null
      };
    } else {
      response = {
        clientDataJSON: kit.toB64url(r.clientDataJSON),
        attestationObject: kit.toB64url(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      };
    }
    return {
      id: credential.id,
      rawId: kit.toB64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment
    };
  }

  function wire(boxId, buttonId, assertion) {
    var box = document.getElementById(boxId), button = document.getElementById(buttonId);
    if (!box || !button) { return; }
    var csrf = box.dataset.csrf, body = { next: box.dataset.next || "/admin" };
    kit.bind(button, box.querySelector("#passkey-error"), function () {
      return kit.post(box.dataset.options, csrf).then(function (options) {
        options.challenge = kit.toBytes(options.challenge);
        if (assertion) {
          (options.allowCredentials || []).forEach(function (c) { c.id = kit.toBytes(c.id); });
          return navigator.credentials.get({ publicKey: options });
        }
        options.user.id = kit.toBytes(options.user.id);
        (options.excludeCredentials || []).forEach(function (c) { c.id = kit.toBytes(c.id); });
        return navigator.credentials.create({ publicKey: options });
      }).then(function (credential) {
        body.credential = credentialJson(credential, assertion);
        return kit.post(box.dataset.verify, csrf, body);
      });
    });
  }

  wire("staff-passkey", "passkey-login", true);
  wire("staff-passkey-enrol", "passkey-enrol", false);
})();
