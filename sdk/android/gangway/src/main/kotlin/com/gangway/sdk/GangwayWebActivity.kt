package com.gangway.sdk

import android.Manifest
import android.annotation.SuppressLint
import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.Bitmap
import android.net.Uri
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.provider.MediaStore
import android.view.View
import android.view.ViewGroup
import android.webkit.CookieManager
import android.webkit.JavascriptInterface
import android.webkit.PermissionRequest
import android.webkit.ValueCallback
import android.webkit.WebChromeClient
import android.webkit.WebResourceError
import android.webkit.WebResourceRequest
import android.webkit.WebView
import android.webkit.WebViewClient
import android.widget.FrameLayout
import android.widget.ProgressBar
import androidx.activity.OnBackPressedCallback
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatActivity
import androidx.core.content.ContextCompat
import androidx.core.content.FileProvider
import com.gangway.sdk.core.FlowUrl
import com.gangway.sdk.core.GangwayContract
import com.gangway.sdk.core.GangwayPlatform
import com.gangway.sdk.core.GangwayResult
import java.io.File

/**
 * The hosted flow in a [WebView]. Started by [GangwayUserSession]; finishes with the result in its
 * Intent. The web view stays invisible behind a spinner until its first page has loaded, so an
 * expired or used token is reported without showing the flow.
 */
class GangwayWebActivity : AppCompatActivity() {
    companion object {
        const val EXTRA_TOKEN = "com.gangway.sdk.TOKEN"
        const val EXTRA_PUBLIC_KEY = "com.gangway.sdk.PUBLIC_KEY"
        const val EXTRA_BASE_URL = "com.gangway.sdk.BASE_URL"
        const val LOAD_TIMEOUT_MS = 30_000L
    }

    private lateinit var webView: WebView
    private lateinit var spinner: ProgressBar
    private val handler = Handler(Looper.getMainLooper())
    private var origin: String = ""
    private var flow: String? = null
    private var loaded = false
    private var finished = false

    private var fileCallback: ValueCallback<Array<Uri>>? = null
    private var photoUri: Uri? = null
    private var pendingChooser: WebChromeClient.FileChooserParams? = null
    private var pendingPermission: PermissionRequest? = null

    private val timeout = Runnable { deliver(GangwayContract.connectionError("timeout", flow)) }

    private val cameraPermission = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        pendingPermission?.let { request ->
            if (granted) request.grant(arrayOf(PermissionRequest.RESOURCE_VIDEO_CAPTURE)) else request.deny()
        }
        pendingPermission = null
        pendingChooser?.let { openChooser(it, cameraAllowed = granted) }
        pendingChooser = null
    }

    private val chooser = registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { outcome ->
        val callback = fileCallback ?: return@registerForActivityResult
        fileCallback = null
        val picked = WebChromeClient.FileChooserParams.parseResult(outcome.resultCode, outcome.data)
        val taken = photoUri?.takeIf { outcome.resultCode == Activity.RESULT_OK && (picked == null || picked.isEmpty()) }
        callback.onReceiveValue(picked ?: taken?.let { arrayOf(it) })
        photoUri = null
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val token = intent.getStringExtra(EXTRA_TOKEN).orEmpty()
        val publicKey = intent.getStringExtra(EXTRA_PUBLIC_KEY).orEmpty()
        val baseUrl = intent.getStringExtra(EXTRA_BASE_URL).orEmpty()
        val url = when (val composed = GangwayContract.flowUrl(baseUrl, token, GangwayPlatform.ANDROID, publicKey)) {
            is FlowUrl.Ok -> composed.url
            is FlowUrl.Refused -> return deliver(composed.error)
        }
        origin = originOf(url)

        webView = WebView(this)
        spinner = ProgressBar(this)
        val root = FrameLayout(this)
        root.addView(webView, FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT))
        root.addView(spinner, FrameLayout.LayoutParams(ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT, android.view.Gravity.CENTER))
        setContentView(root)
        webView.visibility = View.INVISIBLE
        configure(webView)

        onBackPressedDispatcher.addCallback(this, object : OnBackPressedCallback(true) {
            override fun handleOnBackPressed() = deliver(GangwayContract.canceledByUser(flow))
        })
        handler.postDelayed(timeout, LOAD_TIMEOUT_MS)
        if (savedInstanceState == null) webView.loadUrl(url) else webView.restoreState(savedInstanceState)
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        if (::webView.isInitialized) webView.saveState(outState)
    }

    @SuppressLint("SetJavaScriptEnabled")
    private fun configure(view: WebView) {
        CookieManager.getInstance().setAcceptCookie(true)
        with(view.settings) {
            javaScriptEnabled = true
            domStorageEnabled = true
            allowFileAccess = false
            allowContentAccess = true
            mediaPlaybackRequiresUserGesture = false
            setSupportMultipleWindows(false)
        }
        view.addJavascriptInterface(Bridge(), "GangwayAndroid")
        view.webViewClient = object : WebViewClient() {
            override fun shouldOverrideUrlLoading(view: WebView, request: WebResourceRequest): Boolean {
                val target = request.url.toString()
                if (originOf(target) == origin) return false
                try {
                    startActivity(Intent(Intent.ACTION_VIEW, request.url)) // links out of the flow
                } catch (e: ActivityNotFoundException) {
                }
                return true
            }

            override fun onPageStarted(view: WebView, url: String, favicon: Bitmap?) {
                flow = GangwayContract.flowFromUrl(url) ?: flow
            }

            override fun onPageFinished(view: WebView, url: String) {
                flow = GangwayContract.flowFromUrl(url) ?: flow
                if (!loaded && !finished) {
                    loaded = true
                    handler.removeCallbacks(timeout)
                    spinner.visibility = View.GONE
                    webView.visibility = View.VISIBLE
                }
            }

            override fun onReceivedError(view: WebView, request: WebResourceRequest, error: WebResourceError) {
                if (request.isForMainFrame) {
                    deliver(GangwayContract.connectionError("network_error", flow, error.description?.toString()))
                }
            }
        }
        view.webChromeClient = object : WebChromeClient() {
            override fun onPermissionRequest(request: PermissionRequest) {
                val wantsCamera = PermissionRequest.RESOURCE_VIDEO_CAPTURE in request.resources
                if (originOf(request.origin.toString()) != origin || !wantsCamera) return request.deny()
                if (hasCamera()) {
                    request.grant(arrayOf(PermissionRequest.RESOURCE_VIDEO_CAPTURE))
                } else {
                    pendingPermission = request
                    cameraPermission.launch(Manifest.permission.CAMERA)
                }
            }

            override fun onShowFileChooser(
                view: WebView,
                callback: ValueCallback<Array<Uri>>,
                params: FileChooserParams
            ): Boolean {
                fileCallback?.onReceiveValue(null)
                fileCallback = callback
                if (hasCamera() || !declaresCamera()) {
                    openChooser(params, cameraAllowed = hasCamera() || !declaresCamera())
                } else {
                    pendingChooser = params
                    cameraPermission.launch(Manifest.permission.CAMERA)
                }
                return true
            }
        }
    }

    /** The document / selfie inputs: the camera (when allowed) offered next to the file picker. */
    private fun openChooser(params: WebChromeClient.FileChooserParams, cameraAllowed: Boolean) {
        val camera = if (cameraAllowed) cameraIntent() else null
        val intent = if (params.isCaptureEnabled && camera != null) {
            camera
        } else {
            Intent.createChooser(params.createIntent(), params.title).apply {
                if (camera != null) putExtra(Intent.EXTRA_INITIAL_INTENTS, arrayOf(camera))
            }
        }
        try {
            chooser.launch(intent)
        } catch (e: ActivityNotFoundException) {
            fileCallback?.onReceiveValue(null)
            fileCallback = null
        }
    }

    private fun cameraIntent(): Intent? {
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
        if (intent.resolveActivity(packageManager) == null) return null
        val dir = File(cacheDir, "gangway").apply { mkdirs() }
        val file = File.createTempFile("photo", ".jpg", dir)
        val uri = FileProvider.getUriForFile(this, "$packageName.gangway.files", file)
        photoUri = uri
        return intent.putExtra(MediaStore.EXTRA_OUTPUT, uri).addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION)
    }

    private fun hasCamera() =
        ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED

    /** A camera intent needs the permission granted only when the app's manifest declares it. */
    private fun declaresCamera(): Boolean = try {
        packageManager.getPackageInfo(packageName, PackageManager.GET_PERMISSIONS)
            .requestedPermissions?.contains(Manifest.permission.CAMERA) == true
    } catch (e: PackageManager.NameNotFoundException) {
        false
    }

    /** `window.GangwayAndroid`: called by bridge.js on a background thread. */
    inner class Bridge {
        @JavascriptInterface
        fun postMessage(json: String) {
            handler.post {
                // Only the Gangway origin may report a result.
                if (::webView.isInitialized && originOf(webView.url.orEmpty()) == origin) {
                    GangwayContract.parseMessage(json)?.let { deliver(it) }
                }
            }
        }
    }

    private fun deliver(result: GangwayResult) {
        if (finished) return
        finished = true
        handler.removeCallbacks(timeout)
        setResult(Activity.RESULT_OK, GangwayUserSession.toIntent(result))
        finish()
    }

    override fun onDestroy() {
        handler.removeCallbacks(timeout)
        fileCallback?.onReceiveValue(null)
        if (::webView.isInitialized) {
            webView.removeJavascriptInterface("GangwayAndroid")
            webView.destroy()
        }
        super.onDestroy()
    }

    private fun originOf(url: String): String =
        Regex("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*").find(url)?.value?.toLowerCase() ?: ""
}
