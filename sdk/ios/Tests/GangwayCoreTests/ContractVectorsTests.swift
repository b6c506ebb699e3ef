import Foundation
import XCTest
@testable import GangwayCore

/// sdk/contract/vectors.json (also checked against the real server) through GangwayCore.
final class ContractVectorsTests: XCTestCase {
    private let id = "9c017aec-c952-4713-aa10-11708cb0d11a"

    private func vectors() throws -> [String: Any] {
        // The test resource; fall back to the shared file when run from the repository.
        let url = Bundle.module.url(forResource: "vectors", withExtension: "json")
            ?? URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../contract/vectors.json").standardized
        let data = try Data(contentsOf: url)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func list(_ name: String) throws -> [[String: Any]] {
        try XCTUnwrap(try vectors()[name] as? [[String: Any]])
    }

    private func platform(_ wire: Any?) -> GangwayPlatform { GangwayPlatform(rawValue: wire as! String)! }

    private func fill(_ value: Any) throws -> Any {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        let text = String(data: data, encoding: .utf8)!.replacingOccurrences(of: "<individual_id>", with: id)
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// The vector's language-neutral result as the Swift enum.
    private func expected(_ value: Any?) -> GangwayResult? {
        guard let result = value as? [String: Any] else { return nil }
        let flow = result["flow"] as? String
        let individualId = result["individualId"] as? String
        switch result["status"] as? String {
        case "completed": return .completed(flow: flow!, individualId: individualId!)
        case "canceled": return .canceled(flow: flow, individualId: individualId)
        default:
            let error = result["error"] as! [String: Any]
            return .error(GangwayError(code: error["code"] as! String,
                                       domain: GangwayErrorDomain(wire: error["domain"] as! String),
                                       description: error["description"] as? String ?? ""),
                          flow: flow, individualId: individualId)
        }
    }

    func testURLVectors() throws {
        for v in try list("urls") {
            let composed = GangwayContract.flowURL(baseURL: v["base_url"] as! String, token: v["token"] as! String,
                                                   platform: platform(v["platform"]), publicKey: v["public_key"] as! String)
            XCTAssertEqual(try composed.get(), v["url"] as? String, v["name"] as! String)
        }
    }

    func testURLErrorVectors() throws {
        for v in try list("url_errors") {
            let composed = GangwayContract.flowURL(baseURL: v["base_url"] as! String, token: v["token"] as! String,
                                                   platform: platform(v["platform"]), publicKey: v["public_key"] as! String)
            guard case .failure(let error) = composed else { return XCTFail("accepted \(v["name"]!)") }
            let want = v["error"] as! [String: String]
            XCTAssertEqual(error.code, want["code"])
            XCTAssertEqual(error.domain.rawValue, want["domain"])
        }
    }

    func testOutcomeVectors() throws {
        for v in try list("outcomes") {
            let message = try fill(v["message"]!)
            let want = expected(try fill(v["result"]!))
            // iOS hands the decoded object over; the string form is checked as well.
            XCTAssertEqual(GangwayContract.parse(body: message), want, v["name"] as! String)
            let text = String(data: try JSONSerialization.data(withJSONObject: message), encoding: .utf8)!
            XCTAssertEqual(GangwayContract.parse(message: text), want, v["name"] as! String)
        }
    }

    func testMessageVectors() throws {
        for v in try list("messages") {
            XCTAssertEqual(GangwayContract.parse(message: v["raw"] as! String), expected(v["result"]), v["name"] as! String)
        }
    }

    func testNativeEventVectors() throws {
        for v in try list("native_events") {
            let flow = GangwayContract.lastFlow(v["urls_seen"] as! [String])
            let made: GangwayResult
            switch v["event"] as! String {
            case "user_closed": made = GangwayContract.canceledByUser(flow: flow)
            case "timeout": made = GangwayContract.connectionError(code: "timeout", flow: flow)
            default: made = GangwayContract.connectionError(code: "network_error", flow: flow)
            }
            XCTAssertEqual(withoutDescription(made), withoutDescription(expected(v["result"])!), v["name"] as! String)
        }
    }

    func testFlowFromURLVectors() throws {
        for v in try list("flow_from_url") {
            XCTAssertEqual(GangwayContract.flow(fromURL: v["url"] as? String), v["flow"] as? String, v["url"] as! String)
        }
    }

    func testTheResourceIsTheSharedFile() throws {
        let shared = URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../contract/vectors.json").standardized
        guard let sharedData = try? Data(contentsOf: shared) else { throw XCTSkip("not run from the repository") }
        let resource = try Data(contentsOf: Bundle.module.url(forResource: "vectors", withExtension: "json")!)
        XCTAssertEqual(resource, sharedData, "run sdk/ios/make-vectors.sh")
    }

    private func withoutDescription(_ result: GangwayResult) -> GangwayResult {
        guard case .error(let error, let flow, let individualId) = result else { return result }
        return .error(GangwayError(code: error.code, domain: error.domain, description: ""), flow: flow, individualId: individualId)
    }
}
