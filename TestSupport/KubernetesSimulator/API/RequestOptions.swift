import BosunCore

/// Options of a create, update, patch or apply, as the query string carries them.
public struct WriteOptions: Sendable {
    /// `fieldManager`: who owns the fields this write sets. Required for apply.
    public var fieldManager: String?
    /// `dryRun=All`: do everything but store the result.
    public var dryRun: Bool
    /// `force=true`: an apply takes the fields other managers own.
    public var force: Bool
    /// The client's User-Agent; a write without `fieldManager` is attributed to its first word.
    public var userAgent: String?
    /// `fieldValidation`: `Strict` refuses fields a custom resource's schema does not declare;
    /// otherwise (`Ignore`, `Warn`) they are pruned.
    public var fieldValidation: String?

    public init(fieldManager: String? = nil, dryRun: Bool = false, force: Bool = false, userAgent: String? = nil, fieldValidation: String? = nil) {
        self.fieldManager = fieldManager
        self.dryRun = dryRun
        self.force = force
        self.userAgent = userAgent
        self.fieldValidation = fieldValidation
    }

    var manager: String { FieldManager.manager(fieldManager: fieldManager, userAgent: userAgent) }
}

/// How a DELETE treats the object's dependents.
public enum PropagationPolicy: String, Sendable {
    case background = "Background"
    case foreground = "Foreground"
    case orphan = "Orphan"
}

/// Options of a delete, from the query string or a `DeleteOptions` body.
public struct DeleteOptions: Sendable {
    public var propagationPolicy: PropagationPolicy?
    public var dryRun: Bool
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var gracePeriodSeconds: Int?

    public init(
        propagationPolicy: PropagationPolicy? = nil, dryRun: Bool = false, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int? = nil
    ) {
        self.propagationPolicy = propagationPolicy
        self.dryRun = dryRun
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
    }
}

/// Options of a list or watch.
public struct ListOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// At most this many items; the rest is reached with `continueToken`.
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    /// `Exact` asks for the list as it was at `resourceVersion`; the simulator keeps no history,
    /// so anything but the current version is 410 Expired.
    public var resourceVersionMatch: String?
    public var allowWatchBookmarks: Bool
    public var sendInitialEvents: Bool
    public var timeoutSeconds: Int?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, resourceVersionMatch: String? = nil, allowWatchBookmarks: Bool = false,
        sendInitialEvents: Bool = false, timeoutSeconds: Int? = nil
    ) {
        self.resourceVersionMatch = resourceVersionMatch
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.allowWatchBookmarks = allowWatchBookmarks
        self.sendInitialEvents = sendInitialEvents
        self.timeoutSeconds = timeoutSeconds
    }
}

/// One page of a list.
public struct ListResult: Sendable {
    public var items: [StoredObject]
    /// The resourceVersion the list is consistent with; a watch resumes from it.
    public var resourceVersion: Int
    public var continueToken: String?
    public var remainingItemCount: Int?
}

/// The patch formats the server accepts.
public enum PatchType: String, Sendable, CaseIterable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategicMerge = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"
}

/// What a delete did.
public enum DeleteOutcome: Sendable {
    /// The object is gone; this was its last state.
    case deleted(StoredObject)
    /// The object waits for finalizers (or its dependents); this is it, now terminating.
    case pending(StoredObject)
}
