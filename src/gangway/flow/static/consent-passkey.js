// "Confirm it's you" with a passkey (consent flows); the passcode form stays as the fallback.
(function () {
  "use strict";
  var kit = window.GangwayWebAuthn;
  var button = document.getElementById("use-passkey");
  if (!kit || !button) { return; }
  kit.bind(button, document.getElementById("passkey-error"), function () {
    var csrf = button.dataset.csrf;
    return kit.post("/flow/consent-passkey-options", csrf).then(function (options) {
      options.challenge = kit.toBytes(options.challenge);
      (options.allowCredentials || []).forEach(function (c) { c.id = kit.toBytes(c.id); });
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return kit.post("/flow/consent-passkey-verify", csrf, {
        id: credential.id,
        rawId: kit.toB64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: kit.toB64url(response.clientDataJSON),
          authenticatorData: kit.toB64url(response.authenticatorData),
          signature: kit.toB64url(response.signature),
          userHandle: response.userHandle ? kit.toB64url(response.userHandle) : null
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment
      });
    });
  });
})();
