package com.gangway.sdk.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/** sdk/contract/vectors.json (also checked against the real server) through the Kotlin core. */
class ContractVectorsTest {
    private val id = "9c017aec-c952-4713-aa10-11708cb0d11a"

    @Suppress("UNCHECKED_CAST")
    private val vectors: Map<String, Any?> by lazy {
        val path = System.getProperty("gangway.vectors") ?: "../contract/vectors.json"
        Json.parse(File(path).readText(Charsets.UTF_8)) as Map<String, Any?>
    }

    @Suppress("UNCHECKED_CAST")
    private fun list(name: String): List<Map<String, Any?>> = vectors[name] as List<Map<String, Any?>>

    private fun platform(wire: Any?): GangwayPlatform = GangwayPlatform.values().first { it.wire == wire }

    /** The vector's result in the language-neutral shape, as the Kotlin type. */
    @Suppress("UNCHECKED_CAST")
    private fun expected(result: Map<String, Any?>?): GangwayResult? {
        if (result == null) return null
        val flow = result["flow"] as String?
        val individualId = result["individualId"] as String?
        return when (result["status"]) {
            "completed" -> GangwayResult.Completed(flow!!, individualId!!)
            "canceled" -> GangwayResult.Canceled(flow, individualId)
            else -> {
                val error = result["error"] as Map<String, Any?>
                GangwayResult.Error(
                    error["code"] as String, GangwayErrorDomain.of(error["domain"] as String),
                    (error["description"] as String?) ?: "", flow, individualId
                )
            }
        }
    }

    private fun fill(text: String) = text.replace("<individual_id>", id)

    @Test
    fun urlVectors() {
        val urls = list("urls")
        assertTrue(urls.size >= 10)
        for (v in urls) {
            val composed = GangwayContract.flowUrl(
                v["base_url"] as String, v["token"] as String, platform(v["platform"]), v["public_key"] as String
            )
            assertEquals(v["name"] as String, FlowUrl.Ok(v["url"] as String), composed)
        }
    }

    @Suppress("UNCHECKED_CAST")
    @Test
    fun urlErrorVectors() {
        for (v in list("url_errors")) {
            val composed = GangwayContract.flowUrl(
                v["base_url"] as String, v["token"] as String, platform(v["platform"]), v["public_key"] as String
            )
            val error = (composed as FlowUrl.Refused).error
            val want = v["error"] as Map<String, Any?>
            assertEquals(v["name"] as String, want["code"], error.code)
            assertEquals(v["name"] as String, want["domain"], error.domain.wire)
        }
    }

    @Test
    fun outcomeVectors() {
        val outcomes = list("outcomes")
        assertTrue(outcomes.size >= 11)
        for (v in outcomes) {
            val message = fill(encodeJson(v["message"]))
            @Suppress("UNCHECKED_CAST")
            val want = expected(Json.parse(fill(encodeJson(v["result"]))) as Map<String, Any?>)
            assertEquals(v["name"] as String, want, GangwayContract.parseMessage(message))
        }
    }

    @Suppress("UNCHECKED_CAST")
    @Test
    fun messageVectors() {
        for (v in list("messages")) {
            val want = expected(v["result"] as Map<String, Any?>?)
            assertEquals(v["name"] as String, want, GangwayContract.parseMessage(v["raw"] as String))
        }
    }

    @Suppress("UNCHECKED_CAST")
    @Test
    fun nativeEventVectors() {
        for (v in list("native_events")) {
            val flow = GangwayContract.lastFlow(v["urls_seen"] as List<String>)
            val made = when (v["event"]) {
                "user_closed" -> GangwayContract.canceledByUser(flow)
                "timeout" -> GangwayContract.connectionError("timeout", flow)
                else -> GangwayContract.connectionError("network_error", flow)
            }
            val want = expected(v["result"] as Map<String, Any?>)
            if (want is GangwayResult.Error) {
                assertEquals(v["name"] as String, want.copy(description = ""), (made as GangwayResult.Error).copy(description = ""))
            } else {
                assertEquals(v["name"] as String, want, made)
            }
        }
    }

    @Test
    fun flowFromUrlVectors() {
        for (v in list("flow_from_url")) {
            assertEquals(v["url"] as String, v["flow"], GangwayContract.flowFromUrl(v["url"] as String))
        }
        assertNull(GangwayContract.flowFromUrl("https://x.example/flow/static/bridge.js"))
    }

    @Test
    fun resultsSurviveTheIntentExtras() {
        val results = list("outcomes").map { GangwayContract.parseMessage(fill(encodeJson(it["message"])))!! } +
            GangwayContract.canceledByUser(null) + GangwayContract.connectionError("timeout", null)
        for (result in results) {
            assertEquals(result, ResultCodec.decode(ResultCodec.encode(result)))
        }
        assertEquals(GangwayResult.Canceled(null, null), ResultCodec.decode(emptyMap()))
    }

    /** Just enough of a JSON writer to turn a vector's message back into the string the page posts. */
    private fun encodeJson(value: Any?): String = when (value) {
        null -> "null"
        is String -> "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
        is Boolean, is Double -> value.toString()
        is Map<*, *> -> value.entries.joinToString(",", "{", "}") { encodeJson(it.key) + ":" + encodeJson(it.value) }
        is List<*> -> value.joinToString(",", "[", "]") { encodeJson(it) }
        else -> throw IllegalArgumentException(value.toString())
    }
}
