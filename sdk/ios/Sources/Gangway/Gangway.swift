#if canImport(UIKit) && canImport(WebKit)
import GangwayCore
import UIKit
import WebKit

@_exported import enum GangwayCore.GangwayResult
@_exported import struct GangwayCore.GangwayError
@_exported import enum GangwayCore.GangwayErrorDomain

/// Gangway's hosted flow in a `WKWebView`:
///
/// ```swift
/// Gangway.setPublicKey("pk_live_…")
/// Gangway.launch(token: token, from: self) { result in … }
/// ```
public enum Gangway {
    /// Gangway's public URL. Set it once (default: the `GangwayBaseURL` Info.plist entry).
    public static var baseURL: String = Bundle.main.object(forInfoDictionaryKey: "GangwayBaseURL") as? String ?? ""
    /// How long the first page may take to load.
    public static var loadTimeout: TimeInterval = 30
    private static var publicKey = ""

    /// Your partner SDK public key (`pk_…`).
    public static func setPublicKey(_ key: String) {
        publicKey = key
    }

    /// Presents the flow full screen from `viewController`; `completion` runs once on the main
    /// thread after it has been dismissed. An expired or used token completes without showing the flow.
    public static func launch(
        token: String, from viewController: UIViewController, completion: @escaping (GangwayResult) -> Void
    ) {
        switch GangwayContract.flowURL(baseURL: baseURL, token: token, platform: .ios, publicKey: publicKey) {
        case .failure(let error):
            DispatchQueue.main.async { completion(.error(error, flow: nil, individualId: nil)) }
        case .success(let url):
            let flow = GangwayViewController(url: URL(string: url)!, timeout: loadTimeout, completion: completion)
            flow.present(from: viewController)
        }
    }
}

/// The web view controller. It stays off screen until the first page has loaded, so a refused
/// token is reported without showing anything.
final class GangwayViewController: UIViewController, WKNavigationDelegate, WKScriptMessageHandler,
    UIAdaptivePresentationControllerDelegate {
    private let url: URL
    private let timeout: TimeInterval
    private var completion: ((GangwayResult) -> Void)?
    private var webView: WKWebView!
    private var flow: String?
    private var loaded = false
    private var timer: Timer?
    private weak var presenter: UIViewController?
    private var navigation: UINavigationController?

    init(url: URL, timeout: TimeInterval, completion: @escaping (GangwayResult) -> Void) {
        self.url = url
        self.timeout = timeout
        self.completion = completion
        super.init(nibName: nil, bundle: nil)
    }

    @available(*, unavailable)
    required init?(coder: NSCoder) { fatalError("init(coder:) is not supported") }

    func present(from presenter: UIViewController) {
        self.presenter = presenter
        loadViewIfNeeded() // starts loading; presented once the first page has loaded
        timer = Timer.scheduledTimer(withTimeInterval: timeout, repeats: false) { [weak self] _ in
            guard let self = self else { return }
            self.finish(GangwayContract.connectionError(code: "timeout", flow: self.flow))
        }
    }

    override func loadView() {
        let configuration = WKWebViewConfiguration()
        let controller = WKUserContentController()
        controller.add(WeakHandler(self), name: "gangway")
        configuration.userContentController = controller
        configuration.websiteDataStore = .default() // keeps the flow's cookie
        configuration.allowsInlineMediaPlayback = true
        configuration.mediaTypesRequiringUserActionForPlayback = []
        webView = WKWebView(frame: .zero, configuration: configuration)
        webView.navigationDelegate = self
        view = webView
        navigationItem.rightBarButtonItem = UIBarButtonItem(
            barButtonSystemItem: .close, target: self, action: #selector(close))
        webView.load(URLRequest(url: url))
    }

    @objc private func close() {
        finish(GangwayContract.canceledByUser(flow: flow))
    }

    private func show() {
        guard !loaded, completion != nil, let presenter = presenter else { return }
        loaded = true
        timer?.invalidate()
        let navigation = UINavigationController(rootViewController: self)
        navigation.presentationController?.delegate = self
        self.navigation = navigation
        presenter.present(navigation, animated: true)
    }

    private func finish(_ result: GangwayResult) {
        guard let completion = completion else { return }
        self.completion = nil
        timer?.invalidate()
        webView.configuration.userContentController.removeScriptMessageHandler(forName: "gangway")
        webView.stopLoading()
        if let navigation = navigation, navigation.presentingViewController != nil {
            navigation.dismiss(animated: true) { completion(result) }
        } else {
            completion(result)
        }
    }

    // MARK: WKScriptMessageHandler — window.webkit.messageHandlers.gangway.postMessage(message)

    func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        guard message.name == "gangway",
              message.frameInfo.isMainFrame,
              message.frameInfo.securityOrigin.host == url.host
        else { return }
        if let result = GangwayContract.parse(body: message.body) {
            finish(result)
        }
    }

    // MARK: WKNavigationDelegate

    func webView(_ webView: WKWebView, decidePolicyFor action: WKNavigationAction,
                 decisionHandler: @escaping (WKNavigationActionPolicy) -> Void) {
        guard let target = action.request.url else { return decisionHandler(.cancel) }
        if target.host == url.host && target.scheme == url.scheme {
            flow = GangwayContract.flow(fromURL: target.absoluteString) ?? flow
            return decisionHandler(.allow)
        }
        UIApplication.shared.open(target) // links out of the flow open in Safari
        decisionHandler(.cancel)
    }

    func webView(_ webView: WKWebView, didFinish navigation: WKNavigation!) {
        flow = GangwayContract.flow(fromURL: webView.url?.absoluteString) ?? flow
        show()
    }

    func webView(_ webView: WKWebView, didFail navigation: WKNavigation!, withError error: Error) {
        failed(error)
    }

    func webView(_ webView: WKWebView, didFailProvisionalNavigation navigation: WKNavigation!, withError error: Error) {
        failed(error)
    }

    private func failed(_ error: Error) {
        if (error as NSError).code == NSURLErrorCancelled { return }
        finish(GangwayContract.connectionError(code: "network_error", flow: flow, description: error.localizedDescription))
    }

    // MARK: UIAdaptivePresentationControllerDelegate — a swiped-down sheet is a cancel

    func presentationControllerDidDismiss(_ presentationController: UIPresentationController) {
        navigation = nil
        finish(GangwayContract.canceledByUser(flow: flow))
    }
}

/// WKUserContentController retains its handlers; this breaks the cycle.
private final class WeakHandler: NSObject, WKScriptMessageHandler {
    weak var target: WKScriptMessageHandler?
    init(_ target: WKScriptMessageHandler) { self.target = target }
    func userContentController(_ controller: WKUserContentController, didReceive message: WKScriptMessage) {
        target?.userContentController(controller, didReceive: message)
    }
}
#endif
