@testable import InletKafka
import Testing

@Suite struct KafkaConsumerConfigurationTests {
    private func heartbeat(session: Duration, heartbeat: Duration = .seconds(2)) -> String? {
        var configuration = KafkaConsumerConfiguration(groupID: "g", topics: ["t"])
        configuration.sessionTimeout = session
        configuration.heartbeatInterval = heartbeat
        return configuration.properties.first { $0.0 == "heartbeat.interval.ms" }?.1
    }

    @Test func theHeartbeatStaysWithinAThirdOfTheSession() {
        #expect(heartbeat(session: .seconds(6)) == "2000")
        #expect(heartbeat(session: .seconds(3)) == "1000", "a shorter session must pull the heartbeat down with it")
        #expect(heartbeat(session: .seconds(30), heartbeat: .seconds(5)) == "5000")
    }
}
