// Gangway SDK bridge: posts the flow's outcome to the native app (see docs/sdk-bridge.md).
(function () {
  "use strict";
  var holder = document.getElementById("gangway-bridge");
  if (!holder) { return; }
  var message;
  try { message = JSON.parse(holder.getAttribute("data-message")); } catch (e) { return; }
  var platform = holder.getAttribute("data-platform");
  var text = JSON.stringify(message);
  try {
    if (platform === "ios" && window.webkit && window.webkit.messageHandlers &&
        window.webkit.messageHandlers.gangway) {
      window.webkit.messageHandlers.gangway.postMessage(message);
    } else if (platform === "android" && window.GangwayAndroid) {
      window.GangwayAndroid.postMessage(text);
    } else if (platform === "react-native" && window.ReactNativeWebView) {
      window.ReactNativeWebView.postMessage(text);
    }
  } catch (e) { /* the native side is gone; nothing else to do */ }
})();
