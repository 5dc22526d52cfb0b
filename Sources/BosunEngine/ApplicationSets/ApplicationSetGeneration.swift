import BosunCore
import Foundation

/// One entry a generator gives: its parameters and a label naming it in messages (the folder,
/// the file, the list entry).
public struct GeneratedEntry: Sendable, Hashable {
    public var label: String
    public var parameters: [String: String]

    public init(label: String, parameters: [String: String]) {
        self.label = label
        self.parameters = parameters
    }
}

/// What a Git listing gave at a commit.
public struct Listing: Sendable, Hashable {
    public var commit: String
    public var entries: [GeneratedEntry]
    public var at: Date

    public init(commit: String, entries: [GeneratedEntry], at: Date) {
        self.commit = commit
        self.entries = entries
        self.at = at
    }
}

/// A generator or template that could not produce applications; the set keeps what it had.
public struct GenerationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Turns listings into application specs: pure, so the engine, `bosun validate --fetch` and
/// the tests share it.
public enum ApplicationSetGeneration {
    /// The entries of `generator`, given the listings of its Git parts.
    public static func entries(_ generator: GeneratorSpec, listings: [GeneratorSpec: Listing]) throws(GenerationError) -> [GeneratedEntry] {
        switch generator {
        case .directories(let g), .files(let g):
            guard let listing = listings[generator] else { throw GenerationError("\(g.repository) has not been listed yet") }
            return listing.entries
        case .list(let items):
            return items.enumerated().map { GeneratedEntry(label: "list[\($0.offset)]", parameters: $0.element) }
        case .matrix(let children):
            var combined = [GeneratedEntry(label: "", parameters: [:])]
            for child in children {
                let entries = try self.entries(child, listings: listings)
                var next: [GeneratedEntry] = []
                next.reserveCapacity(combined.count * entries.count)
                for left in combined {
                    for right in entries {
                        var parameters = left.parameters
                        for (key, value) in right.parameters {
                            if let existing = parameters[key], existing != value {
                                throw GenerationError("matrix entries \(left.label) and \(right.label) both give \"\(key)\" (\(existing.debugDescription) and \(value.debugDescription)); a matrix merges parameters, so each key may come from one generator only")
                            }
                            parameters[key] = value
                        }
                        next.append(GeneratedEntry(label: left.label.isEmpty ? right.label : "\(left.label) × \(right.label)", parameters: parameters))
                    }
                }
                combined = next
            }
            return combined
        }
    }

    /// The result of filling a set's template.
    public struct Result: Sendable {
        /// Applications by name, in entry order.
        public var applications: [ApplicationSpec]
        /// Names two entries generated: refused (both), with the entries.
        public var duplicates: [String: [String]]
    }

    /// Fills the template for every entry. Any entry that cannot be filled or checked fails the
    /// whole set (a set is never half-updated); so does going over `maxApplications`.
    public static func applications(of set: ApplicationSetSpec, entries: [GeneratedEntry], config: Config) throws(GenerationError) -> Result {
        guard entries.count <= set.maxApplications else {
            throw GenerationError("the generators give \(entries.count) entries, over maxApplications \(set.maxApplications); narrow the include patterns, add exclude patterns, or raise maxApplications")
        }
        let location = "\(set.origin)"
        var byName: [String: (spec: ApplicationSpec, labels: [String])] = [:]
        var order: [String] = []
        for entry in entries {
            let filled: JSONObject
            do {
                filled = try fill(set.template, entry.parameters, path: "template")
            } catch let error as FillError {
                throw GenerationError("entry \(entry.label): \(error.field): no parameter \"\(error.missing.name)\" (this entry gives \(error.missing.known.joined(separator: ", "))); set \(set.name) at \(location)")
            } catch {
                throw GenerationError("entry \(entry.label): \(error)")
            }
            var spec: ApplicationSpec
            do {
                spec = try ConfigLoader.application(from: filled, label: "application set \(set.name), entry \(entry.label)", path: "template")
            } catch {
                throw GenerationError(error.diagnostics.map { "\($0.file): \($0.path): \($0.message)\($0.fix.map { " (\($0))" } ?? "")" }.joined(separator: "; "))
            }
            if config.repository(named: spec.source.repository) == nil {
                throw GenerationError("application set \(set.name), entry \(entry.label): no repository named \"\(spec.source.repository)\" in the local config")
            }
            if config.target(named: spec.destination.target) == nil {
                throw GenerationError("application set \(set.name), entry \(entry.label): no target named \"\(spec.destination.target)\" in the local config")
            }
            // Only the set decides whether a vanished entry deletes what it deployed.
            spec.pruneOnDelete = set.deleteApplications
            if byName[spec.name] != nil {
                byName[spec.name]?.labels.append(entry.label)
            } else {
                byName[spec.name] = (spec, [entry.label])
                order.append(spec.name)
            }
        }
        var duplicates: [String: [String]] = [:]
        var applications: [ApplicationSpec] = []
        for name in order {
            guard let item = byName[name] else { continue }
            if item.labels.count > 1 { duplicates[name] = item.labels } else { applications.append(item.spec) }
        }
        return Result(applications: applications, duplicates: duplicates)
    }

    struct FillError: Error {
        var field: String
        var missing: TemplateText.MissingParameter
    }

    /// The template with placeholders in every string value replaced.
    static func fill(_ object: JSONObject, _ parameters: [String: String], path: String) throws -> JSONObject {
        var result = JSONObject()
        for entry in object {
            result[entry.key] = try fill(entry.value, parameters, path: "\(path).\(entry.key)")
        }
        return result
    }

    static func fill(_ value: JSONValue, _ parameters: [String: String], path: String) throws -> JSONValue {
        switch value {
        case .string(let s):
            do {
                return .string(try TemplateText.substitute(s, parameters))
            } catch let missing as TemplateText.MissingParameter {
                throw FillError(field: path, missing: missing)
            }
        case .object(let o): return .object(try fill(o, parameters, path: path))
        case .array(let items): return .array(try items.enumerated().map { try fill($0.element, parameters, path: "\(path)[\($0.offset)]") })
        default: return value
        }
    }

    // MARK: Listing a tree

    /// Folders (or files) of a tree that the globs select: any include, no exclude, nothing
    /// under a folder whose name starts with `.`.
    public static func select(_ paths: [(path: String, isFolder: Bool)], folders: Bool, include: [String], exclude: [String]) -> [String] {
        let includes = include.map(PathGlob.init)
        let excludes = exclude.map(PathGlob.init)
        let prefixes = includes.map(\.fixedPrefix)
        var result: [String] = []
        for item in paths where item.isFolder == folders {
            let path = item.path
            // Cheap first: only paths under a pattern's fixed folder can match it.
            guard prefixes.contains(where: { $0.isEmpty || path.hasPrefix($0 + "/") }) else { continue }
            if path.hasPrefix(".") || path.contains("/.") { continue }
            guard includes.contains(where: { $0.matches(path) }), !excludes.contains(where: { $0.matches(path) }) else { continue }
            result.append(path)
        }
        return result
    }

    /// The entries of a directories listing.
    public static func directoryEntries(_ folders: [String]) -> [GeneratedEntry] {
        folders.map { GeneratedEntry(label: $0, parameters: Parameters.ofPath($0)) }
    }

    /// The entries of one file of a files listing: a mapping gives one entry, a list of mappings
    /// one per item. `path` is the file's folder, as in Argo CD.
    public static func fileEntries(file: String, text: String) throws(GenerationError) -> [GeneratedEntry] {
        let documents: [YAMLDocument]
        do {
            documents = try YAMLDecoder().documents(text)
        } catch {
            throw GenerationError("\(file):\(error.line):\(error.column): \(error.message)")
        }
        let folder = file.split(separator: "/").dropLast().joined(separator: "/")
        var base = Parameters.ofPath(folder.isEmpty ? "." : folder)
        base["path.filename"] = String(file.split(separator: "/").last ?? "")
        base["path.filenameNormalized"] = Parameters.normalized(base["path.filename"] ?? "")
        var items: [(label: String, value: JSONObject, line: Int)] = []
        for document in documents {
            switch document.value {
            case .object(let o): items.append((file, o, document.line))
            case .array(let list):
                for (i, element) in list.enumerated() {
                    guard case .object(let o) = element else {
                        throw GenerationError("\(file):\(document.line): item \(i) is not a mapping of parameters")
                    }
                    items.append(("\(file)[\(i)]", o, document.line))
                }
            default:
                throw GenerationError("\(file):\(document.line): expected a mapping of parameters (or a list of them)")
            }
        }
        return items.map { item in
            var parameters = Parameters.flatten(.object(item.value))
            for (key, value) in base { parameters[key] = value }
            return GeneratedEntry(label: item.label, parameters: parameters)
        }
    }
}
