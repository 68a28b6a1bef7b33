import Foundation
import InletCore
import InletHTTPClient
import InletReceiver
import ServiceLifecycle
import Testing

@Suite(.serialized) struct PipelineEndToEndTests {
    /// Signed GitHub `pull_request` webhooks, with repeats and a forgery, through all five stages: exact rows in
    /// PostgreSQL, exact signed deliveries to a subscriber, repeats dropped, the forgery rejected with 401 and never
    /// stored or delivered.
    @Test(.timeLimit(.minutes(4)))
    func signedWebhooksBecomeExactlyTheExpectedRows() async throws {
        let harness = try PipelineHarness()
        try await harness.prepare()
        let stages = try harness.makeServices()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: stages.services.map { .init(service: $0) }, logger: harness.logger))
        let pipeline = Task { try await group.run() }
        let client = try HTTPClient()
        do {
            try await eventually(timeout: .seconds(20), "the receiver listens") { stages.receiver.listeningPort != nil }
            let base = "http://127.0.0.1:\(stages.receiver.listeningPort!)"
            let signer = try WebhookSigner(integration: harness.integration, registry: harness.definitions)

            func post(_ body: [UInt8], deliveryID: String, signer: WebhookSigner) async throws -> Int {
                let signed = try signer.sign(body: body, event: "pull_request", deliveryID: deliveryID)
                return try await client.execute(HTTPRequest(method: .post, url: base + signed.path,
                                                            headers: signed.headers, body: signed.body)).status
            }

            // 20 pull requests, each delivered once; 5 of them delivered again with the same delivery ID.
            let pullRequests = (1...20).map { (id: 9_000_000 + $0, title: "PR \($0)", delivery: UUID().uuidString) }
            for pr in pullRequests {
                #expect(try await post(try harness.pullRequestBody(id: pr.id, title: pr.title), deliveryID: pr.delivery, signer: signer) == 202)
            }
            for pr in pullRequests.prefix(5) {
                let repeated = try harness.pullRequestBody(id: pr.id, title: "REPEAT MUST NOT WIN", updatedAt: "2026-11-22T00:00:00Z")
                #expect(try await post(repeated, deliveryID: pr.delivery, signer: signer) == 202, "a repeat is acknowledged, then dropped")
            }
            // A newer version of PR 1 under a new delivery ID updates the row.
            let updated = try harness.pullRequestBody(id: pullRequests[0].id, title: "PR 1, edited", updatedAt: "2026-11-21T11:00:00Z")
            #expect(try await post(updated, deliveryID: UUID().uuidString, signer: signer) == 202)
            // An older version arriving late never overwrites the newer row.
            let stale = try harness.pullRequestBody(id: pullRequests[1].id, title: "STALE", updatedAt: "2026-11-20T00:00:00Z")
            #expect(try await post(stale, deliveryID: UUID().uuidString, signer: signer) == 202)
            // A forgery: signed with the wrong secret.
            let forger = try WebhookSigner(definition: .github, integrationID: harness.integrationID, secret: "not-the-secret")
            #expect(try await post(try harness.pullRequestBody(id: 9_999_999, title: "FORGED"), deliveryID: UUID().uuidString,
                                   signer: forger) == 401)

            // Every expected row, and nothing else, in PostgreSQL.
            let expected = Dictionary(uniqueKeysWithValues: pullRequests.map { (String($0.id), $0.title) })
                .merging([String(pullRequests[0].id): "PR 1, edited"]) { $1 }
            var rows: [String: String] = [:]
            try await eventually("all \(expected.count) pull requests are stored with their final titles") {
                // The persister creates the table when it starts; until then the query fails.
                guard let result = try? await harness.database.query(
                    "SELECT id, title FROM pull_request WHERE integration_id = $1", [.text(harness.integrationID)])
                else { return false }
                rows = [:]
                for row in result { rows[try row.string(0) ?? ""] = try row.string(1) ?? "" }
                return rows == expected
            }
            #expect(rows == expected)
            let details = try await harness.database.query(
                "SELECT repository, state, definition, number FROM pull_request WHERE integration_id = $1 AND id = $2",
                [.text(harness.integrationID), .text(String(pullRequests[2].id))])
            #expect(try details[0].string(0) == "octo-org/hello-world")
            #expect(try details[0].string(1) == "open")
            #expect(try details[0].string(2) == "github")
            #expect(try details[0].int(3) == pullRequests[2].id % 10_000)
            #expect(stages.receiver.counters.rejections(.signatureMismatch) == 1)

            // Every mapped version reaches the subscriber exactly once: the 20 pull requests, the edit, and the late
            // stale version (the subscriber, not Inlet, decides what an older version means to it).
            var delivered: [(id: String, title: String)] = []
            try await eventually("the subscriber received all 22 records") {
                delivered = try harness.sink.snapshot().records.map { record in
                    let element = try JSONSerialization.jsonObject(with: Data(record.element)) as! [String: Any]
                    let data = element["data"] as! [String: Any]
                    return (data["id"] as! String, data["title"] as! String)
                }
                return delivered.count >= 22
            }
            let snapshot = harness.sink.snapshot()
            #expect(delivered.count == 22, "no repeat is delivered twice")
            #expect(Set(delivered.map(\.title)) == Set(pullRequests.map(\.title) + ["PR 1, edited", "STALE"]))
            #expect(!delivered.contains { $0.title.contains("REPEAT") || $0.title == "FORGED" })
            #expect(snapshot.signatureFailures == 0, "every request carries a valid Standard Webhooks signature")
            #expect(snapshot.largestBody <= 300_000)
            #expect(snapshot.acceptedBodies.allSatisfy { $0.count <= 300_000 })
        } catch {
            await shutDown(group, pipeline, client, harness)
            throw error
        }
        await shutDown(group, pipeline, client, harness)
    }

    func shutDown(_ group: ServiceGroup, _ pipeline: Task<Void, any Error>, _ client: HTTPClient, _ harness: PipelineHarness) async {
        await client.shutdown()
        await group.triggerGracefulShutdown()
        do {
            try await pipeline.value
        } catch {
            Issue.record("the stages did not shut down gracefully: \(error)")
        }
        await harness.tearDown()
    }
}
