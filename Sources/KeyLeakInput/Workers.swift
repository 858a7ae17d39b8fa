import Foundation

/// Runs `body(index)` on `count` threads of our own (not Swift's cooperative
/// pool: file reads block) and returns when all have finished. Zero
/// threads run nothing (a hook whose staged files were all read from disk).
package func runWorkers(_ count: Int, stackSize: Int = 4 << 20, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<max(0, count) {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = stackSize
        thread.start()
    }
    group.wait()
}
