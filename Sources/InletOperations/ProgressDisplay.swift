import Foundation

/// Shows a replay's progress on standard error: on a terminal a bar redrawn in place with rate and ETA, otherwise a
/// plain line every few seconds (logs and CI stay readable).
///
/// - Important: call it from the one task that runs the replay; it is not `Sendable`.
public final class ProgressDisplay {
    private let isTerminal: Bool
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastDrawn: ContinuousClock.Instant?
    private var lastLine = ""

    /// How often a terminal bar is redrawn, and a plain line written.
    static let terminalInterval: Duration = .milliseconds(100)
    static let plainInterval: Duration = .seconds(5)

    public init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
        self.started = clock.now
    }

    /// Draws `progress` if the last drawing is old enough (always when `final`).
    public func update(_ progress: ReplayProgress, final: Bool = false) {
        let now = clock.now
        if !final, let lastDrawn, now - lastDrawn < (isTerminal ? Self.terminalInterval : Self.plainInterval) { return }
        lastDrawn = now
        let line = Self.line(progress, elapsed: now - started, bar: isTerminal)
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K" + (final ? "\n" : "")).utf8))
        } else if line != lastLine || final {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        lastLine = line
    }

    /// `[#######.............]  35% 3500/10000 read, 120 matched, 120 sent  1,204/s  ETA 5s`
    public static func line(_ progress: ReplayProgress, elapsed: Duration, bar: Bool) -> String {
        let total = max(progress.total, progress.scanned)
        let fraction = total == 0 ? 1 : Double(progress.scanned) / Double(total)
        let rate = elapsed > .zero ? Double(progress.scanned) / elapsed.seconds : 0
        var parts: [String] = []
        if bar {
            let width = 24
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
        }
        parts.append("\(Int((fraction * 100).rounded(.down)))%")
        parts.append("\(progress.scanned)/\(total) read, \(progress.matched) matched, \(progress.produced) sent")
        if progress.filterErrors > 0 { parts.append("\(progress.filterErrors) filter errors") }
        parts.append("\(Int(rate.rounded()))/s")
        if rate > 0, progress.scanned < total {
            parts.append("ETA " + formatSeconds(Double(total - progress.scanned) / rate))
        }
        return parts.joined(separator: "  ")
    }

    static func formatSeconds(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(whole % 60)s" }
        return "\(whole / 3600)h\((whole % 3600) / 60)m"
    }
}
