import Foundation

/// IDs of replays and redrives: `<kind>-<UTC date>-<UTC time>-<6 random hex>`, for example
/// `replay-20261121-093000-3fa9c1`. They sort by creation time and are safe in headers, logs and shells.
enum OperationID {
    static func make(_ kind: String, now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        func pad(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next() & 0xFF_FFFF, radix: 16)
        return "\(kind)-\(pad(parts.year, 4))\(pad(parts.month, 2))\(pad(parts.day, 2))-"
            + "\(pad(parts.hour, 2))\(pad(parts.minute, 2))\(pad(parts.second, 2))-"
            + String(repeating: "0", count: 6 - random.count) + random
    }
}
