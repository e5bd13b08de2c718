import Foundation
import Testing

@testable import Derive

/// Readers that deliver only events with a notification URL are not woken by other commits (every
/// render miss commits a `derived.created` event), and every other reader still is. `wait` says
/// whether a notify ended it or its timeout did, so no assertion depends on how fast the machine is.
@Suite struct EventNotifierTests {
    /// Whether a wait was ended by a notify (true) or by its timeout (false), with `act` run on a
    /// thread of its own shortly after the wait began.
    private func waitEnded(
        _ notifier: EventNotifier, timeout: Duration, notificationsOnly: Bool, act: @escaping @Sendable () -> Void
    ) async -> Bool {
        let generation = notificationsOnly ? notifier.notificationGeneration : notifier.generation
        let poke = Thread {
            Thread.sleep(forTimeInterval: 0.05)
            act()
        }
        poke.start()
        return await notifier.wait(after: generation, timeout: timeout, notificationsOnly: notificationsOnly)
    }

    @Test func aNotificationReaderSleepsThroughCommitsWithoutURLs() async {
        let notifier = EventNotifier()
        let notified = await waitEnded(notifier, timeout: .milliseconds(500), notificationsOnly: true) {
            notifier.notify(notificationURL: false)
        }
        #expect(!notified)
        #expect(notifier.notificationGeneration == 0 && notifier.generation == 1)
    }

    @Test func aNotificationReaderWakesForACommitWithAURL() async {
        let notifier = EventNotifier()
        let notified = await waitEnded(notifier, timeout: .seconds(120), notificationsOnly: true) {
            notifier.notify(notificationURL: true)
        }
        #expect(notified)
    }

    @Test func otherReadersWakeForEveryCommit() async {
        let notifier = EventNotifier()
        let notified = await waitEnded(notifier, timeout: .seconds(120), notificationsOnly: false) {
            notifier.notify(notificationURL: false)
        }
        #expect(notified)
    }

    @Test func closingWakesEveryReader() async {
        let notifier = EventNotifier()
        let notified = await waitEnded(notifier, timeout: .seconds(120), notificationsOnly: true) { notifier.close() }
        #expect(notified)
    }
}
