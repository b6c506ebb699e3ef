// Passkey enrolment on the security step (the only step that needs JavaScript).
(function () {
  "use strict";
  var kit = window.GangwayWebAuthn;
  var button = document.getElementById("add-passkey");
  if (!kit || !button) { return; }
  kit.bind(button, document.getElementById("passkey-error"), function () {
    var csrf = button.dataset.csrf;
    return kit.post("/flow/passkey-options", csrf).then(function (options) {
      options.challenge = kit.toBytes(options.challenge);
      options.user.id = kit.toBytes(options.user.id);
      (options.excludeCredentials || []).forEach(function (c) { c.id = kit.toBytes(c.id); });
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return kit.post("/flow/passkey-register", csrf, {
        id: credential.id,
        rawId: kit.toB64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: kit.toB64url(response.clientDataJSON),
          attestationObject: kit.toB64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : []
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment
      });
    });
  });
})();
