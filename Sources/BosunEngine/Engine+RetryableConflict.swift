import BosunCore

extension Engine {
    /// Whether a failed apply is retried with backoff. Transient failures are; so is a conflict
    /// the target marks with `retryAfter` (Nomad's check-and-set: the job moved after the plan,
    /// and the next attempt plans again against what runs). Other conflicts (a Kubernetes field
    /// owned by another manager) need a person, so they are not.
    static func isWorthRetrying(_ error: TargetError) -> Bool {
        error.isRetryable || (error.code == .conflict && error.retryAfter != nil)
    }
}
