package com.gangway.sdk

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Bundle
import androidx.activity.result.contract.ActivityResultContract
import com.gangway.sdk.core.GangwayResult
import com.gangway.sdk.core.ResultCodec

/** The manifest is missing `com.gangway.sdk.PUBLIC_KEY` (or `com.gangway.sdk.BASE_URL`). */
class GangwayConfigurationException(message: String) : IllegalStateException(message)

/**
 * Opens the hosted flow for a token and returns its [GangwayResult]:
 *
 * ```
 * val launcher = registerForActivityResult(GangwayUserSession()) { result -> … }
 * launcher.launch(token)
 * ```
 *
 * The public key and base URL come from the application's manifest meta-data
 * `com.gangway.sdk.PUBLIC_KEY` and `com.gangway.sdk.BASE_URL`.
 */
class GangwayUserSession : ActivityResultContract<String, GangwayResult>() {
    override fun createIntent(context: Context, input: String): Intent {
        val config = Config.read(context)
        return Intent(context, GangwayWebActivity::class.java)
            .putExtra(GangwayWebActivity.EXTRA_TOKEN, input)
            .putExtra(GangwayWebActivity.EXTRA_PUBLIC_KEY, config.publicKey)
            .putExtra(GangwayWebActivity.EXTRA_BASE_URL, config.baseUrl)
    }

    override fun parseResult(resultCode: Int, intent: Intent?): GangwayResult {
        val extras = intent?.extras
        if (resultCode != Activity.RESULT_OK || extras == null) {
            return ResultCodec.decode(emptyMap()) // the activity went away: canceled
        }
        return ResultCodec.decode(ResultCodec.KEYS.associateWith { extras.getString(it) })
    }

    internal data class Config(val publicKey: String, val baseUrl: String) {
        companion object {
            const val PUBLIC_KEY = "com.gangway.sdk.PUBLIC_KEY"
            const val BASE_URL = "com.gangway.sdk.BASE_URL"

            fun read(context: Context): Config {
                val meta: Bundle? = context.packageManager
                    .getApplicationInfo(context.packageName, PackageManager.GET_META_DATA).metaData
                val publicKey = meta?.getString(PUBLIC_KEY)
                if (publicKey.isNullOrBlank()) {
                    throw GangwayConfigurationException(
                        "Gangway: add <meta-data android:name=\"$PUBLIC_KEY\" android:value=\"pk_…\" /> " +
                            "inside <application> in AndroidManifest.xml (your partner SDK public key)."
                    )
                }
                val baseUrl = meta.getString(BASE_URL)
                if (baseUrl.isNullOrBlank()) {
                    throw GangwayConfigurationException(
                        "Gangway: add <meta-data android:name=\"$BASE_URL\" " +
                            "android:value=\"https://onboarding.example.com\" /> inside <application>."
                    )
                }
                return Config(publicKey, baseUrl)
            }
        }
    }

    internal companion object {
        fun toIntent(result: GangwayResult): Intent {
            val intent = Intent()
            for ((key, value) in ResultCodec.encode(result)) intent.putExtra(key, value)
            return intent
        }
    }
}
