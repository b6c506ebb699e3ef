import Foundation

/// The error domains of the SDK contract (docs/sdk-bridge.md).
public enum GangwayErrorDomain: String, Equatable {
    case unexpectedError = "unexpected_error"
    case connectionError = "connection_error"
    case tokenExpired = "token_expired"
    case invalidPublicKey = "invalid_public_key"

    /// A domain outside the list (a newer server) is treated as `.unexpectedError`.
    public init(wire: String) {
        self = GangwayErrorDomain(rawValue: wire) ?? .unexpectedError
    }
}

public struct GangwayError: Error, Equatable {
    public let code: String
    public let domain: GangwayErrorDomain
    public let description: String

    public init(code: String, domain: GangwayErrorDomain, description: String) {
        self.code = code
        self.domain = domain
        self.description = description
    }
}

/// The outcome of a flow. `flow` is `onboarding`, `identity_verification`,
/// `proof_of_address_verification` (or a newer flow's name).
public enum GangwayResult: Equatable {
    /// The user submitted the flow.
    case completed(flow: String, individualId: String)
    /// The user canceled in the flow (both set) or closed it (`individualId` nil; `flow` that of
    /// the last page shown, nil before the first).
    case canceled(flow: String?, individualId: String?)
    /// Something stopped the flow; see `error.domain`.
    case error(GangwayError, flow: String?, individualId: String?)
}
