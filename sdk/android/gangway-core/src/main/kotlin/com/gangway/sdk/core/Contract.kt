package com.gangway.sdk.core

/** The platform a flow URL is built for. */
enum class GangwayPlatform(val wire: String) { IOS("ios"), ANDROID("android"), REACT_NATIVE("react-native") }

/** A composed flow URL, or why it could not be composed (a configuration error). */
sealed class FlowUrl {
    data class Ok(val url: String) : FlowUrl()
    data class Refused(val error: GangwayResult.Error) : FlowUrl()
}

/** The platform-free SDK contract: sdk/contract/vectors.json, docs/sdk-bridge.md. */
object GangwayContract {
    private val BASE_URL = Regex("^https?://[^/?#\\s]+(/[^?#\\s]*)?$", RegexOption.IGNORE_CASE)
    private val FLOW_PATH = Regex("/flow/([a-z_]+)/[^/]+/?$")
    private const val HEX = "0123456789ABCDEF"

    const val INVALID_MESSAGE = "The flow sent a message the SDK could not read."

    /** Percent-encodes all but the RFC 3986 unreserved characters (UTF-8, uppercase hex). */
    fun encode(value: String): String {
        val out = StringBuilder()
        for (byte in value.toByteArray(Charsets.UTF_8)) {
            val b = byte.toInt() and 0xFF
            val c = b.toChar()
            if (c in 'A'..'Z' || c in 'a'..'z' || c in '0'..'9' || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c)
            } else {
                out.append('%').append(HEX[b shr 4]).append(HEX[b and 0x0F])
            }
        }
        return out.toString()
    }

    /** `{base}/flow/start?token=…&platform=…&public_key=…` with every trailing '/' of the base removed. */
    fun flowUrl(baseUrl: String, token: String, platform: GangwayPlatform, publicKey: String): FlowUrl {
        if (!BASE_URL.matches(baseUrl)) {
            return refused("invalid_base_url", GangwayErrorDomain.UNEXPECTED_ERROR,
                "The base URL must be an absolute http(s) URL without query or fragment.")
        }
        if (token.isEmpty()) {
            return refused("missing_token", GangwayErrorDomain.UNEXPECTED_ERROR, "No token was given.")
        }
        if (publicKey.isEmpty()) {
            return refused("missing_public_key", GangwayErrorDomain.INVALID_PUBLIC_KEY,
                "No public key: add the com.gangway.sdk.PUBLIC_KEY meta-data to the manifest.")
        }
        val base = baseUrl.trimEnd('/')
        return FlowUrl.Ok("$base/flow/start?token=${encode(token)}&platform=${encode(platform.wire)}&public_key=${encode(publicKey)}")
    }

    private fun refused(code: String, domain: GangwayErrorDomain, description: String): FlowUrl =
        FlowUrl.Refused(GangwayResult.Error(code, domain, description))

    /** The flow a page URL belongs to (`…/flow/<flow>/<step>`), else null. */
    fun flowFromUrl(url: String?): String? {
        if (url == null) return null
        val path = url.replaceFirst(Regex("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*"), "").split('?', '#')[0]
        val name = FLOW_PATH.find(path)?.groupValues?.get(1)
        return if (name == "static") null else name
    }

    /** The flow of the last URL in [urls] that names one. */
    fun lastFlow(urls: List<String>): String? =
        urls.fold(null as String?) { known, url -> flowFromUrl(url) ?: known }

    /** The result for a message string (what `GangwayAndroid.postMessage` receives); null when it is not a result. */
    fun parseMessage(raw: String): GangwayResult? {
        val value = try {
            Json.parse(raw)
        } catch (e: Json.ParseError) {
            return invalid(null, null)
        }
        return parseMessageValue(value)
    }

    /** The result for an already decoded message; null when it is not a result. */
    fun parseMessageValue(value: Any?): GangwayResult? {
        if (value !is Map<*, *>) return invalid(null, null)
        if (value["type"] != "result") return null
        val flow = value["flow"] as? String
        val individualId = value["individual_id"] as? String
        return when (value["status"]) {
            "completed" ->
                if (flow == null || individualId == null) invalid(flow, individualId)
                else GangwayResult.Completed(flow, individualId)
            "canceled" -> GangwayResult.Canceled(flow, individualId)
            "error" -> {
                val error = value["error"] as? Map<*, *>
                val code = error?.get("code") as? String
                val domain = error?.get("domain") as? String
                val description = error?.get("description") as? String
                if (code == null || domain == null || description == null) invalid(flow, individualId)
                else GangwayResult.Error(code, GangwayErrorDomain.of(domain), description, flow, individualId)
            }
            else -> invalid(flow, individualId)
        }
    }

    private fun invalid(flow: String?, individualId: String?): GangwayResult =
        GangwayResult.Error("invalid_message", GangwayErrorDomain.UNEXPECTED_ERROR, INVALID_MESSAGE, flow, individualId)

    /** The user left the flow (back button, closed screen). */
    fun canceledByUser(flow: String?): GangwayResult = GangwayResult.Canceled(flow, null)

    /** The page could not be loaded (`network_error`) or not in time (`timeout`). */
    fun connectionError(code: String, flow: String?, description: String? = null): GangwayResult.Error =
        GangwayResult.Error(code, GangwayErrorDomain.CONNECTION_ERROR,
            description ?: if (code == "timeout") "The flow did not load in time." else "The flow could not be loaded.",
            flow, null)
}
