package com.gangway.sdk.core

/** The error domains of the SDK contract (docs/sdk-bridge.md). */
enum class GangwayErrorDomain(val wire: String) {
    UNEXPECTED_ERROR("unexpected_error"),
    CONNECTION_ERROR("connection_error"),
    TOKEN_EXPIRED("token_expired"),
    INVALID_PUBLIC_KEY("invalid_public_key");

    companion object {
        /** A domain outside the list (a newer server) is treated as [UNEXPECTED_ERROR]. */
        fun of(wire: String): GangwayErrorDomain =
            values().firstOrNull { it.wire == wire } ?: UNEXPECTED_ERROR
    }
}

/** The outcome of a flow. `flow` is `onboarding`, `identity_verification`, `proof_of_address_verification` (or a newer flow's name). */
sealed class GangwayResult {
    /** The user submitted the flow. */
    data class Completed(val flow: String, val individualId: String) : GangwayResult()

    /**
     * The user canceled: in the flow (both fields set) or by leaving it (back button, closed
     * screen: `individualId` null, `flow` that of the last page shown or null before the first).
     */
    data class Canceled(val flow: String?, val individualId: String?) : GangwayResult()

    /** Something stopped the flow; see [domain] for what to do. */
    data class Error(
        val code: String,
        val domain: GangwayErrorDomain,
        val description: String,
        val flow: String? = null,
        val individualId: String? = null
    ) : GangwayResult()
}
