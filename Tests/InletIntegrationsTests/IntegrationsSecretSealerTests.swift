import InletCrypto
import Testing

@testable import InletIntegrations

@Suite struct IntegrationsSecretSealerTests {
    @Test func aSealedSecretOpensToItselfAndIsNotThePlainText() throws {
        let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
        let secret = try IntegrationsFixtures.secret("whsec_c2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2g=")
        let sealed = try sealer.seal(secret, integrationID: "acme", secretID: "v1")
        #expect(sealed.keyID == sealer.keys.current.id)
        #expect(sealed.nonce.count == 12)
        #expect(sealed.ciphertext.count == secret.value.utf8.count + 16)
        #expect(!sealed.ciphertext.starts(with: Array(secret.value.utf8.prefix(8))))
        #expect(try sealer.open(sealed, integrationID: "acme", secretID: "v1") == secret)
    }

    @Test func everySealUsesAFreshNonce() throws {
        let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
        let secret = try IntegrationsFixtures.secret("same")
        let first = try sealer.seal(secret, integrationID: "acme", secretID: "v1")
        let second = try sealer.seal(secret, integrationID: "acme", secretID: "v1")
        #expect(first.nonce != second.nonce)
        #expect(first.ciphertext != second.ciphertext)
    }

    @Test func aCiphertextMovedToAnotherIntegrationSecretIDOrKeyIDDoesNotOpen() throws {
        let keys = try IntegrationsFixtures.keys(previous: 1)
        let sealer = SecretSealer(keys: keys)
        let sealed = try sealer.seal(try IntegrationsFixtures.secret("s"), integrationID: "acme", secretID: "v1")
        for (integration, secretID) in [("other", "v1"), ("acme", "v2"), ("acm", "ev1")] {
            #expect(throws: IntegrationsError.self) { try sealer.open(sealed, integrationID: integration, secretID: secretID) }
        }
        var relabelled = sealed
        relabelled.keyID = keys.previous[0].id
        let error = try #require(throws: IntegrationsError.self) { try sealer.open(relabelled, integrationID: "acme", secretID: "v1") }
        #expect(error.code == .secretDoesNotDecrypt)
        var altered = sealed
        altered.ciphertext[0] ^= 1
        #expect(throws: IntegrationsError.self) { try sealer.open(altered, integrationID: "acme", secretID: "v1") }
    }

    @Test func associatedDataIsUnambiguous() {
        #expect(SecretSealer.associatedData(integrationID: "ab", secretID: "c", keyID: "k")
            != SecretSealer.associatedData(integrationID: "a", secretID: "bc", keyID: "k"))
    }

    @Test func aSecretSealedUnderAnotherKeyNamesThatKeyAndTheVariableToSet() throws {
        let old = SecretSealer(keys: try IntegrationsFixtures.keys())
        let sealed = try old.seal(try IntegrationsFixtures.secret("s"), integrationID: "acme", secretID: "v1")
        let new = SecretSealer(keys: try IntegrationsFixtures.keys())
        let error = try #require(throws: IntegrationsError.self) { try new.open(sealed, integrationID: "acme", secretID: "v1") }
        #expect(error.code == .unknownMasterKey)
        #expect(error.description.contains(old.keys.current.id))
        #expect(error.description.contains("INLET_SECRET_KEY_PREVIOUS"))
        #expect(error.description.contains("acme/v1"))
    }

    @Test func aDifferentKeyUnderTheSameIDDoesNotAuthenticate() throws {
        let sealed = try SecretSealer(keys: MasterKeyRing(current: try MasterKey.random(id: "2026-11")))
            .seal(try IntegrationsFixtures.secret("s"), integrationID: "acme", secretID: "v1")
        let impostor = SecretSealer(keys: try MasterKeyRing(current: try MasterKey.random(id: "2026-11")))
        let error = try #require(throws: IntegrationsError.self) { try impostor.open(sealed, integrationID: "acme", secretID: "v1") }
        #expect(error.code == .secretDoesNotDecrypt)
        #expect(error.description.contains("'2026-11'"))
    }

    @Test func aPreviousKeyStillOpens() throws {
        let oldKey = try MasterKey.random()
        let sealed = try SecretSealer(keys: MasterKeyRing(current: oldKey)).seal(try IntegrationsFixtures.secret("s"), integrationID: "a", secretID: "v1")
        let rotated = SecretSealer(keys: try MasterKeyRing(current: try MasterKey.random(), previous: [oldKey]))
        #expect(try rotated.open(sealed, integrationID: "a", secretID: "v1").value == "s")
    }

    @Test func secretsAreRedactedEverywhere() throws {
        let secret = try IntegrationsFixtures.secret("plain-text-secret")
        #expect(!"\(secret)".contains("plain-text-secret"))
        #expect(!String(reflecting: secret).contains("plain-text-secret"))
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("plain-text-secret"))
        #expect(!"\([secret])".contains("plain-text-secret"))
    }

    @Test func secretsMustBeOneLineOfTextWithinBounds() {
        for bad in ["", "two\nlines", "tab\there", String(repeating: "x", count: WebhookSecret.maximumByteCount + 1)] {
            #expect(throws: IntegrationsError.self) { try WebhookSecret(bad) }
        }
        #expect((try? WebhookSecret("ok secret with spaces")) != nil)
    }
}
