package com.gangway.sdk.core

import org.junit.Assert.assertEquals
import org.junit.Assert.fail
import org.junit.Test

class JsonTest {
    @Test
    fun readsEveryKindOfValue() {
        val value = Json.parse(" {\"a\":[1,-2.5e1,true,false,null],\"b\":{\"c\":\"\\u00e5\\n\\\"\\/\"},\"d\":{}} ")
        assertEquals(
            mapOf(
                "a" to listOf(1.0, -25.0, true, false, null),
                "b" to mapOf("c" to "å\n\"/"),
                "d" to emptyMap<String, Any?>()
            ),
            value
        )
    }

    @Test
    fun refusesMalformedText() {
        for (bad in listOf("", "{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "\"open", "tru", "01", "1.", "{} x", "\"\u0001\"", "{\"a\":\"\\x\"}")) {
            try {
                Json.parse(bad)
                fail("accepted: $bad")
            } catch (expected: Json.ParseError) {
            }
        }
    }

    @Test
    fun refusesDeepNesting() {
        try {
            Json.parse("[".repeat(100) + "]".repeat(100))
            fail("accepted deep nesting")
        } catch (expected: Json.ParseError) {
        }
    }
}
