import BosunCore

/// The comparison of one resource: what a sync would do to it and which fields differ.
///
/// Encodes as `{"key": "apps/Deployment/shop/web", "action": "update", "changedPaths": [...]}`;
/// changed paths are `FieldPath` pointers (keyed list items as `name=web`). The resources
/// themselves are not encoded, so a stored or printed diff never carries Secret values.
public struct ResourceDiff: Sendable, Encodable {
    /// The resource compared.
    public var key: ResourceKey
    /// What a sync would do to it.
    public var action: ChangeAction
    /// The pointers of `changes`, in the order found. Empty for create, delete and unchanged:
    /// the whole object is created or deleted.
    public var changedPaths: [String]
    /// As given.
    public var desired: Resource?
    /// As given.
    public var live: Resource?
    /// As given.
    public var lastApplied: Resource?
    /// The differing fields, with old and new values (Secret values masked).
    public var changes: [FieldChange]
    /// How the comparison was made, so the unified text shows the same thing.
    public var options: DiffOptions
    /// The target's own account of the change (Nomad's plan), when it gives one.
    public var preview: String?

    /// A diff as `Differ` makes it; `changedPaths` are taken from `changes`.
    public init(
        key: ResourceKey, action: ChangeAction, changes: [FieldChange] = [], desired: Resource? = nil,
        live: Resource? = nil, lastApplied: Resource? = nil, options: DiffOptions = DiffOptions()
    ) {
        self.key = key
        self.action = action
        self.changes = changes
        self.changedPaths = changes.map(\.path.pointer)
        self.desired = desired
        self.live = live
        self.lastApplied = lastApplied
        self.options = options
    }

    /// Whether a sync would change the resource.
    public var hasChanges: Bool { action != .unchanged }

    enum CodingKeys: String, CodingKey { case key, action, changedPaths, preview }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(action, forKey: .action)
        try container.encode(changedPaths, forKey: .changedPaths)
        try container.encodeIfPresent(preview, forKey: .preview)
    }
}
