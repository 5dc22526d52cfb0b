import BosunCore

/// One `metadata.managedFields` entry: who set which fields, by which operation. The field set
/// stays in its stored `fieldsV1` form until a write needs it decoded (most writes leave most
/// entries alone, and decoding and encoding them is most of the cost of a write).
struct ManagedFieldsEntry: Sendable, Equatable {
    enum Operation: String, Sendable { case apply = "Apply", update = "Update" }

    private enum Storage: Sendable, Equatable {
        case raw(JSONValue)
        case decoded(FieldSet)
    }

    var manager: String
    var operation: Operation
    var apiVersion: String
    var time: String?
    var subresource: String
    private var storage: Storage

    /// Entries are told apart by manager, operation and subresource; updaters also by API
    /// version (appliers keep one entry whatever version they apply with).
    struct Identity: Hashable, Sendable {
        var manager: String
        var operation: Operation
        var subresource: String
        var apiVersion: String
    }

    var identity: Identity {
        Identity(
            manager: manager, operation: operation, subresource: subresource,
            apiVersion: operation == .apply ? "" : apiVersion)
    }

    /// How conflict messages name the manager: `"kubectl"`, `"kube-controller-manager" with
    /// subresource "status" using apps/v1`.
    var displayName: String {
        var text = PathElement.goQuoted(manager)
        if !subresource.isEmpty { text += " with subresource \(PathElement.goQuoted(subresource))" }
        if operation == .update { text += " using \(apiVersion)" }
        return text
    }

    /// The fields this manager owns.
    var fields: FieldSet {
        get {
            switch storage {
            case .decoded(let set): set
            case .raw(let value): FieldSet(fieldsV1: value) ?? FieldSet()
            }
        }
        set { storage = .decoded(newValue) }
    }

    var isEmpty: Bool {
        switch storage {
        case .decoded(let set): set.isEmpty
        case .raw(let value): value.objectValue?.isEmpty ?? true
        }
    }

    /// The fields of `set` this manager owns; cheap when they cannot overlap.
    func owned(in set: FieldSet) -> FieldSet {
        if set.isEmpty { return FieldSet() }
        if case .raw(let value) = storage, !set.mayOverlap(fieldsV1: value) { return FieldSet() }
        return fields.intersection(set)
    }

    /// Gives up the fields of `set`; leaves the stored form alone when none are this manager's.
    mutating func remove(_ set: FieldSet) {
        if set.isEmpty { return }
        if case .raw(let value) = storage, !set.mayOverlap(fieldsV1: value) { return }
        fields = fields.subtracting(set)
    }

    var fieldsV1: JSONValue {
        switch storage {
        case .decoded(let set): set.fieldsV1
        case .raw(let value): value
        }
    }

    var json: JSONValue {
        var object: JSONObject = ["manager": .string(manager), "operation": .string(operation.rawValue)]
        object["apiVersion"] = .string(apiVersion)
        if let time { object["time"] = .string(time) }
        object["fieldsType"] = "FieldsV1"
        object["fieldsV1"] = fieldsV1
        if !subresource.isEmpty { object["subresource"] = .string(subresource) }
        return .object(object)
    }

    init(manager: String, operation: Operation, apiVersion: String, time: String?, fields: FieldSet, subresource: String = "") {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.storage = .decoded(fields)
        self.subresource = subresource
    }

    /// Reads an entry; with `validate`, its `fieldsV1` must decode (entries a client sends),
    /// otherwise decoding waits until needed (entries the server wrote).
    init?(_ value: JSONValue, validate: Bool = true) {
        guard let object = value.objectValue, let manager = object["manager"]?.stringValue,
            let operation = object["operation"]?.stringValue.flatMap(Operation.init(rawValue:))
        else { return nil }
        self.manager = manager
        self.operation = operation
        self.apiVersion = object["apiVersion"]?.stringValue ?? ""
        self.time = object["time"]?.stringValue
        self.subresource = object["subresource"]?.stringValue ?? ""
        let raw = object["fieldsV1"] ?? .object(JSONObject())
        if validate {
            guard let fields = FieldSet(fieldsV1: raw) else { return nil }
            self.storage = .decoded(fields)
        } else {
            guard raw.objectValue != nil else { return nil }
            self.storage = .raw(raw)
        }
    }
}

/// The managers of one object, in the order the server lists them.
struct ManagedFields: Sendable {
    var entries: [ManagedFieldsEntry] = []

    init(_ entries: [ManagedFieldsEntry] = []) { self.entries = entries }

    /// Reads `metadata.managedFields`; entries that cannot be read are an error, as on the server.
    init(metadata: JSONObject, validate: Bool = true) throws(FieldError) {
        guard let list = metadata["managedFields"] else { return }
        guard let items = list.arrayValue else {
            throw FieldError.invalid("metadata.managedFields", list, "must be a list of entries")
        }
        for (i, item) in items.enumerated() {
            if item.objectValue?.isEmpty == true { continue }  // `[{}]` is how clients clear the list
            guard let entry = ManagedFieldsEntry(item, validate: validate) else {
                throw FieldError.invalid(
                    "metadata.managedFields[\(i)]", .string("…"),
                    "an entry needs manager, operation (Apply or Update) and fieldsV1 in FieldsV1 format")
            }
            entries.append(entry)
        }
    }

    subscript(identity: ManagedFieldsEntry.Identity) -> ManagedFieldsEntry? {
        entries.first { $0.identity == identity }
    }

    mutating func set(_ entry: ManagedFieldsEntry) {
        if let i = entries.firstIndex(where: { $0.identity == entry.identity }) {
            entries[i] = entry
        } else {
            entries.append(entry)
        }
    }

    mutating func removeEmpty() { entries.removeAll { $0.isEmpty } }

    /// Apply entries first, then by time, manager, API version and subresource.
    var sorted: [ManagedFieldsEntry] {
        entries.sorted { p, q in
            if p.operation != q.operation { return p.operation.rawValue < q.operation.rawValue }
            if (p.time ?? "") != (q.time ?? "") { return (p.time ?? "") < (q.time ?? "") }
            if p.manager != q.manager { return p.manager < q.manager }
            if p.apiVersion != q.apiVersion { return p.apiVersion < q.apiVersion }
            return p.subresource < q.subresource
        }
    }

    var json: JSONValue { .array(sorted.map(\.json)) }

    /// Fields nobody owns because the server sets them: identity, type and bookkeeping.
    static let strippedFields: FieldSet = {
        var set = FieldSet()
        set.insert([.field("apiVersion")])
        set.insert([.field("kind")])
        set.insert([.field("metadata")])
        for field in [
            "name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields",
            "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
        ] {
            set.insert([.field("metadata"), .field(field)])
        }
        return set
    }()
}
