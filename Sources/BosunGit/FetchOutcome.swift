/// What a fetch did.
public struct FetchOutcome: Sendable {
    /// false: the fetch failed and the last good mirror is used.
    public var fetched: Bool
    /// Why, when it failed (credentials stripped).
    public var warning: String?
    public var duration: Duration

    public init(fetched: Bool, warning: String? = nil, duration: Duration) {
        self.fetched = fetched
        self.warning = warning
        self.duration = duration
    }
}

/// Counters of a `GitMirrors`, for metrics and for tests that check fetches are shared.
public struct GitMirrorStatistics: Sendable, Hashable {
    /// Fetches that ran against a remote (one `git ls-remote`, then `git fetch` when refs moved).
    public var fetches = 0
    /// `git fetch` processes run (a fetch whose refs had not moved runs none).
    public var gitFetchProcesses = 0
    /// Fetch requests that joined a fetch of the same remote already under way.
    public var sharedFetches = 0
    /// Fetches that failed (over an existing mirror or not).
    public var failedFetches = 0

    public init() {}
}
