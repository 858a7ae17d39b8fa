import Foundation

/// The walkers' shared LIFO of pending work. A worker takes an item, and the
/// walk ends when the stack is empty and no worker is busy (one of them may
/// still push more).
package final class WorkQueue<Item>: @unchecked Sendable {
    // SAFETY: every access to `stack` and `active` happens with `condition` locked.
    private let condition = NSCondition()
    private var stack: [Item] = []
    private var active = 0

    /// Items waiting, read without the lock (a hint for the bounded push).
    package var pendingHint: Int {
        condition.lock()
        defer { condition.unlock() }
        return stack.count
    }

    package func push(_ items: [Item]) {
        guard !items.isEmpty else { return }
        condition.lock()
        stack.append(contentsOf: items)
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, or nil when all work is done. Marks the caller busy until `done()`.
    package func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while stack.isEmpty {
            if active == 0 {
                condition.broadcast()
                return nil
            }
            condition.wait()
        }
        active += 1
        return stack.removeLast()
    }

    /// The caller finished the item `next()` gave it.
    package func done() {
        condition.lock()
        active -= 1
        if active == 0 && stack.isEmpty { condition.broadcast() }
        condition.unlock()
    }
}
