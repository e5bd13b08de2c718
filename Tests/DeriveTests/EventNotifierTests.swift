import Testing

@testable import Derive

/// Readers that deliver only events with a notification URL are not woken by other commits (every
/// render miss commits a `derived.created` event), and every other reader still is.
@Suite struct EventNotifierTests {
    /// Seconds a wait took, with `act` run shortly after the wait began.
    private func timedWait(
        _ notifier: EventNotifier, timeout: Duration, notificationsOnly: Bool, act: @escaping @Sendable () -> Void
    ) async -> Duration {
        let generation = notificationsOnly ? notifier.notificationGeneration : notifier.generation
        let clock = ContinuousClock()
        let start = clock.now
        let poke = Task {
            try? await Task.sleep(for: .milliseconds(30))
            act()
        }
        await notifier.wait(after: generation, timeout: timeout, notificationsOnly: notificationsOnly)
        poke.cancel()
        return clock.now - start
    }

    @Test func aNotificationReaderSleepsThroughCommitsWithoutURLs() async {
        let notifier = EventNotifier()
        let waited = await timedWait(notifier, timeout: .milliseconds(400), notificationsOnly: true) {
            notifier.notify(notificationURL: false)
        }
        #expect(waited >= .milliseconds(400))
    }

    @Test func aNotificationReaderWakesForACommitWithAURL() async {
        let notifier = EventNotifier()
        let waited = await timedWait(notifier, timeout: .seconds(20), notificationsOnly: true) {
            notifier.notify(notificationURL: true)
        }
        #expect(waited < .seconds(10))
    }

    @Test func otherReadersWakeForEveryCommit() async {
        let notifier = EventNotifier()
        let waited = await timedWait(notifier, timeout: .seconds(20), notificationsOnly: false) {
            notifier.notify(notificationURL: false)
        }
        #expect(waited < .seconds(10))
    }

    @Test func closingWakesEveryReader() async {
        let notifier = EventNotifier()
        let waited = await timedWait(notifier, timeout: .seconds(20), notificationsOnly: true) { notifier.close() }
        #expect(waited < .seconds(10))
    }
}
