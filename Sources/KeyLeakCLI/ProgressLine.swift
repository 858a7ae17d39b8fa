import Foundation
import Synchronization

/// The progress line on standard error for scans that take more than a
/// moment: files, bytes, findings so far and the rate, redrawn in place. Only
/// on a terminal and never with `--quiet`; it never shows a finding's content.
final class ProgressLine: Sendable {
    private let files = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let findings = Atomic<Int>(0)
    private let done = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private let enabled: Bool
    private let started = Date()

    /// No line before this many seconds (short scans stay silent).
    static let delay = 0.5
    /// Seconds between redraws.
    static let interval = 0.25

    init(enabled: Bool) {
        self.enabled = enabled
        guard enabled else { return }
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: ProgressLine.delay)
            while !done.load(ordering: .acquiring) {
                draw()
                Thread.sleep(forTimeInterval: ProgressLine.interval)
            }
        }
        thread.start()
    }

    var callback: (@Sendable (Int, Int, Int) -> Void)? {
        guard enabled else { return nil }
        return { [self] f, b, n in
            files.add(f, ordering: .relaxed)
            bytes.add(b, ordering: .relaxed)
            findings.add(n, ordering: .relaxed)
        }
    }

    private func draw() {
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let b = bytes.load(ordering: .relaxed)
        let line = "scanning: \(files.load(ordering: .relaxed)) files, \(String(format: "%.1f", Double(b) / 1_048_576)) MiB, "
            + "\(findings.load(ordering: .relaxed)) findings, \(String(format: "%.0f", Double(b) / 1_048_576 / seconds)) MiB/s"
        OutputFile.writeStandardError(Array(("\r\u{1b}[K" + line).utf8))
        drawn.store(true, ordering: .releasing)
    }

    /// Stops redrawing and clears the line.
    func finish() {
        done.store(true, ordering: .releasing)
        if drawn.load(ordering: .acquiring) { OutputFile.writeStandardError(Array("\r\u{1b}[K".utf8)) }
    }
}
