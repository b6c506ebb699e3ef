package com.gangway.sdk.core

/**
 * A [GangwayResult] as flat string pairs, so the Android activity can hand it back in its result
 * Intent's extras without Parcelable (and so the encoding is unit-tested here).
 */
object ResultCodec {
    fun encode(result: GangwayResult): Map<String, String?> = when (result) {
        is GangwayResult.Completed -> mapOf("status" to "completed", "flow" to result.flow, "individual_id" to result.individualId)
        is GangwayResult.Canceled -> mapOf("status" to "canceled", "flow" to result.flow, "individual_id" to result.individualId)
        is GangwayResult.Error -> mapOf(
            "status" to "error", "flow" to result.flow, "individual_id" to result.individualId,
            "code" to result.code, "domain" to result.domain.wire, "description" to result.description
        )
    }

    /** The decoded result; no extras at all (the activity was killed) is a cancellation. */
    fun decode(extras: Map<String, String?>): GangwayResult {
        val flow = extras["flow"]
        val individualId = extras["individual_id"]
        return when (extras["status"]) {
            "completed" -> if (flow != null && individualId != null) GangwayResult.Completed(flow, individualId)
                else GangwayResult.Canceled(flow, individualId)
            "error" -> GangwayResult.Error(
                extras["code"] ?: "unexpected_error",
                GangwayErrorDomain.of(extras["domain"] ?: ""),
                extras["description"] ?: "",
                flow, individualId
            )
            else -> GangwayResult.Canceled(flow, individualId)
        }
    }

    val KEYS = listOf("status", "flow", "individual_id", "code", "domain", "description")
}
