import Foundation

public enum GangwayPlatform: String {
    case ios, android
    case reactNative = "react-native"
}

/// The platform-free SDK contract: sdk/contract/vectors.json, docs/sdk-bridge.md.
public enum GangwayContract {
    public static let invalidMessage = "The flow sent a message the SDK could not read."

    /// RFC 3986 unreserved characters; everything else is percent-encoded (UTF-8, uppercase hex).
    public static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `{base}/flow/start?token=…&platform=…&public_key=…`, or the configuration error.
    public static func flowURL(
        baseURL: String, token: String, platform: GangwayPlatform, publicKey: String
    ) -> Result<String, GangwayError> {
        let pattern = "^https?://[^/?#\\s]+(/[^?#\\s]*)?$"
        guard baseURL.range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil else {
            return .failure(GangwayError(
                code: "invalid_base_url", domain: .unexpectedError,
                description: "The base URL must be an absolute http(s) URL without query or fragment."))
        }
        guard !token.isEmpty else {
            return .failure(GangwayError(
                code: "missing_token", domain: .unexpectedError, description: "No token was given."))
        }
        guard !publicKey.isEmpty else {
            return .failure(GangwayError(
                code: "missing_public_key", domain: .invalidPublicKey,
                description: "No public key: call Gangway.setPublicKey(_:) first."))
        }
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let query = "token=\(encode(token))&platform=\(encode(platform.rawValue))&public_key=\(encode(publicKey))"
        return .success("\(base)/flow/start?\(query)")
    }

    /// The flow a page URL belongs to (`…/flow/<flow>/<step>`), else nil.
    public static func flow(fromURL url: String?) -> String? {
        guard let url = url else { return nil }
        var path = url
        if let range = path.range(of: "^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", options: .regularExpression) {
            path.removeSubrange(range)
        }
        path = String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        path = String(path.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        guard let range = path.range(of: "/flow/[a-z_]+/[^/]+/?$", options: .regularExpression) else { return nil }
        let name = path[range].split(separator: "/")[1]
        return name == "static" ? nil : String(name)
    }

    /// The flow of the last URL in `urls` that names one.
    public static func lastFlow(_ urls: [String]) -> String? {
        urls.reduce(nil as String?) { known, url in flow(fromURL: url) ?? known }
    }

    /// The result for a message string; nil when it is not a result.
    public static func parse(message raw: String) -> GangwayResult? {
        guard let data = raw.data(using: .utf8),
              let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return invalid(nil, nil) }
        return parse(body: value)
    }

    /// The result for a decoded message — what `WKScriptMessage.body` holds; nil when it is not a result.
    public static func parse(body value: Any) -> GangwayResult? {
        guard let message = value as? [String: Any] else { return invalid(nil, nil) }
        guard message["type"] as? String == "result" else { return nil }
        let flow = message["flow"] as? String
        let individualId = message["individual_id"] as? String
        switch message["status"] as? String {
        case "completed":
            guard let flow = flow, let individualId = individualId else { return invalid(flow, individualId) }
            return .completed(flow: flow, individualId: individualId)
        case "canceled":
            return .canceled(flow: flow, individualId: individualId)
        case "error":
            guard let error = message["error"] as? [String: Any],
                  let code = error["code"] as? String,
                  let domain = error["domain"] as? String,
                  let description = error["description"] as? String
            else { return invalid(flow, individualId) }
            return .error(
                GangwayError(code: code, domain: GangwayErrorDomain(wire: domain), description: description),
                flow: flow, individualId: individualId)
        default:
            return invalid(flow, individualId)
        }
    }

    private static func invalid(_ flow: String?, _ individualId: String?) -> GangwayResult {
        .error(GangwayError(code: "invalid_message", domain: .unexpectedError, description: invalidMessage),
               flow: flow, individualId: individualId)
    }

    /// The user closed the flow (the Close button, a swiped-down sheet).
    public static func canceledByUser(flow: String?) -> GangwayResult {
        .canceled(flow: flow, individualId: nil)
    }

    /// The page could not be loaded (`network_error`) or not in time (`timeout`).
    public static func connectionError(code: String, flow: String?, description: String? = nil) -> GangwayResult {
        let text = description ?? (code == "timeout" ? "The flow did not load in time." : "The flow could not be loaded.")
        return .error(GangwayError(code: code, domain: .connectionError, description: text),
                      flow: flow, individualId: nil)
    }
}
