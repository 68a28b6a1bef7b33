import Foundation
import InletCore
import Testing

@testable import InletIntegrations

@Suite struct IntegrationsMasterKeyRingTests {
    private func ring(_ variables: [String: String], files: [String: String] = [:]) throws(IntegrationsError) -> MasterKeyRing {
        try MasterKeyRing(environment: EnvironmentReader(variables), readFile: { files[$0].map { Data($0.utf8) } })
    }

    private func failure(_ variables: [String: String], files: [String: String] = [:]) -> IntegrationsError? {
        do {
            _ = try ring(variables, files: files)
            return nil
        } catch {
            return error
        }
    }

    @Test func aBareKeyGetsAnIDDerivedFromItThatIsStableAndDiffersBetweenKeys() throws {
        let first = try ring(["INLET_SECRET_KEY": IntegrationsFixtures.base64Key(1)])
        let again = try ring(["INLET_SECRET_KEY": IntegrationsFixtures.base64Key(1)])
        let other = try ring(["INLET_SECRET_KEY": IntegrationsFixtures.base64Key(2)])
        #expect(first.current.id.hasPrefix("k-"))
        #expect(first.current.id.count == 18)
        #expect(first.current.id == again.current.id)
        #expect(first.current.id != other.current.id)
        #expect(first.previous.isEmpty)
    }

    @Test func anIDCanBeGivenAndSurroundingWhitespaceIsIgnored() throws {
        let keys = try ring(["INLET_SECRET_KEY": "2026-11:\(IntegrationsFixtures.base64Key())\n"])
        #expect(keys.current.id == "2026-11")
    }

    @Test func previousKeysOnlyAddToTheRing() throws {
        let keys = try ring([
            "INLET_SECRET_KEY": "new:\(IntegrationsFixtures.base64Key(1))",
            "INLET_SECRET_KEY_PREVIOUS": "old:\(IntegrationsFixtures.base64Key(2)), \(IntegrationsFixtures.base64Key(3))",
        ])
        #expect(keys.current.id == "new")
        #expect(keys.previous.count == 2)
        #expect(keys.previous[0].id == "old")
        #expect(keys.ids.count == 3)
        #expect(keys.key(id: "old")?.id == "old")
        #expect(keys.key(id: "missing") == nil)
    }

    @Test func aKeyFileListsTheCurrentKeyFirstAndSkipsCommentsAndBlankLines() throws {
        let file = """
            # Inlet master keys, current first

            b:\(IntegrationsFixtures.base64Key(4))\r
            a:\(IntegrationsFixtures.base64Key(5))
            """
        let keys = try ring(["INLET_SECRET_KEY_FILE": "/keys"], files: ["/keys": file])
        #expect(keys.current.id == "b")
        #expect(keys.previous.map(\.id) == ["a"])
    }

    @Test func noKeyNamesBothVariablesToSet() throws {
        let error = try #require(failure([:]))
        #expect(error.code == .missingMasterKey)
        #expect(error.description.contains("INLET_SECRET_KEY"))
        #expect(error.description.contains("INLET_SECRET_KEY_FILE"))
        #expect(error.description.contains("openssl rand -base64 32"))
    }

    @Test func malformedKeysNameTheVariableButNeverTheKey() throws {
        let short = IntegrationsFixtures.base64Key(9, count: 31)
        let shortError = try #require(failure(["INLET_SECRET_KEY": short]))
        #expect(shortError.code == .invalidMasterKey)
        #expect(shortError.description.contains("INLET_SECRET_KEY"))
        #expect(shortError.description.contains("31"))
        #expect(!shortError.description.contains(short))

        let notBase64 = "this is not base64 at all!!"
        let encodingError = try #require(failure(["INLET_SECRET_KEY_PREVIOUS": notBase64, "INLET_SECRET_KEY": IntegrationsFixtures.base64Key()]))
        #expect(encodingError.description.contains("INLET_SECRET_KEY_PREVIOUS entry 1"))
        #expect(!encodingError.description.contains(notBase64))

        let badID = try #require(failure(["INLET_SECRET_KEY": "bad id:\(IntegrationsFixtures.base64Key())"]))
        #expect(badID.description.contains("key id"))
    }

    @Test func keyFileErrorsNameTheLine() throws {
        let file = "ok:\(IntegrationsFixtures.base64Key(1))\nbroken:AAAA\n"
        let error = try #require(failure(["INLET_SECRET_KEY_FILE": "/keys"], files: ["/keys": file]))
        #expect(error.description.contains("/keys"))
        #expect(error.description.contains("line 2"))
        let unreadable = try #require(failure(["INLET_SECRET_KEY_FILE": "/missing"]))
        #expect(unreadable.description.contains("/missing"))
        let empty = try #require(failure(["INLET_SECRET_KEY_FILE": "/keys"], files: ["/keys": "# nothing\n"]))
        #expect(empty.description.contains("holds no key"))
    }

    @Test func bothSourcesTheSameIDTwiceOrTheSameKeyTwiceAreRefused() throws {
        let key = IntegrationsFixtures.base64Key(1)
        let both = try #require(failure(["INLET_SECRET_KEY": key, "INLET_SECRET_KEY_FILE": "/keys"]))
        #expect(both.description.contains("only one"))
        let sameID = try #require(failure(["INLET_SECRET_KEY": "a:\(key)", "INLET_SECRET_KEY_PREVIOUS": "a:\(IntegrationsFixtures.base64Key(2))"]))
        #expect(sameID.description.contains("'a' is configured twice"))
        let sameKey = try #require(failure(["INLET_SECRET_KEY": "a:\(key)", "INLET_SECRET_KEY_PREVIOUS": "b:\(key)"]))
        #expect(sameKey.description.contains("same key"))
    }

    @Test func descriptionsShowKeyIDsOnly() throws {
        let encoded = IntegrationsFixtures.base64Key(3)
        let keys = try ring(["INLET_SECRET_KEY": "named:\(encoded)"])
        #expect("\(keys)" == "MasterKeyRing(current: named, previous: [])")
        #expect(!"\(keys.current)".contains(encoded))
        #expect(!String(reflecting: keys).contains(encoded))
    }
}
