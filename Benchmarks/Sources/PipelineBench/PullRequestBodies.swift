// Shared by PipelineBench (`make bench`) and Benchmarks/mapper/MapperPerfBench (run.sh links this file into its
// throw-away package), so both measure the same bodies.
import Foundation

/// `count` GitHub `pull_request` bodies (~3 KB) made from the sample at `samplePath`, each a different pull request
/// (ids from `firstID`, numbers from 1, titles numbered).
///
/// The sample is serialised once with marker values, and each body is the template with the markers replaced:
/// serialising 20,000 dictionaries with Foundation took ~10 s of CPU, which competed with the stages when a run
/// started.
func benchmarkPullRequestBodies(samplePath: String, count: Int, firstID: Int) throws -> [[UInt8]] {
    let sample = try Data(contentsOf: URL(fileURLWithPath: samplePath))
    var object = try JSONSerialization.jsonObject(with: sample) as! [String: Any]
    var pullRequest = object["pull_request"] as! [String: Any]
    pullRequest["id"] = "@@ID@@"
    pullRequest["title"] = "@@TITLE@@"
    object["pull_request"] = pullRequest
    object["number"] = "@@NUMBER@@"
    let template = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    let pieces = template.split(separator: "\"@@", omittingEmptySubsequences: false)
    return (0..<count).map { index in
        var body = String(pieces[0])
        for piece in pieces.dropFirst() {
            let marker = piece.prefix { $0 != "@" }
            let rest = piece.dropFirst(marker.count + 3)  // "@@\""
            switch marker {
            case "ID": body += String(firstID + index)
            case "TITLE": body += "\"Benchmark pull request \(index)\""
            default: body += String(index + 1)
            }
            body += rest
        }
        return Array(body.utf8)
    }
}
