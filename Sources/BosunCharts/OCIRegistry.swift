import BosunCore
import Crypto
import Foundation
import NIOHTTP1

/// Helm charts in an OCI registry through the distribution HTTP API: tags, manifests with
/// Helm's media types, blobs verified by digest; anonymous, basic or bearer-token auth (the
/// `WWW-Authenticate` challenge names the token endpoint).
struct OCIRegistry {
    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    static let chartLayerMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    static let configMediaType = "application/vnd.cncf.helm.config.v1+json"

    let access: ChartRepositoryAccess
    let sources: ChartSources

    /// `oci://host[:port]/path` → (`https://host[:port]`, `path`).
    var endpoint: (base: String, path: String) {
        let rest = access.url.dropFirst("oci://".count)
        let host = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? String(rest)
        let path = rest.split(separator: "/", maxSplits: 1).dropFirst().first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "/")) } ?? ""
        return ((access.plainHTTP ? "http://" : "https://") + host, path)
    }

    func repository(_ chart: String) -> String {
        endpoint.path.isEmpty ? chart : endpoint.path + "/" + chart
    }

    func tags(chart: String) async throws(ChartError) -> [String] {
        let answer = try await request("/v2/\(repository(chart))/tags/list", chart: chart, accept: "application/json")
        if answer.status == 404 {
            throw ChartError(.notFound, "\(access.name) has no chart \"\(chart)\" (\(access.url)/\(chart) is not in the registry)")
        }
        guard answer.status == 200 else { throw ChartHTTP.failure(answer, what: "the tags of \(chart)", access: access) }
        guard let json = try? JSONParser.parse(String(decoding: answer.body, as: UTF8.self)) else {
            throw ChartError(.invalid, "\(access.name): the tag list of \(chart) is not JSON; is \(access.url) an OCI registry?")
        }
        return (json["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The digest of the chart archive layer of `chart:tag`, from a manifest whose own digest is checked.
    func chartLayer(chart: String, tag: String) async throws(ChartError) -> String {
        let answer = try await request("/v2/\(repository(chart))/manifests/\(tag)", chart: chart, accept: Self.manifestMediaType)
        guard answer.status == 200 else { throw ChartHTTP.failure(answer, what: "the manifest of \(chart):\(tag)", access: access) }
        if let stated = answer.headers.first(name: "Docker-Content-Digest"), stated != Self.digest(answer.body) {
            throw ChartError(.invalid, "\(access.name): the manifest of \(chart):\(tag) does not match its digest \(stated); refusing it")
        }
        guard let json = try? JSONParser.parse(String(decoding: answer.body, as: UTF8.self)) else {
            throw ChartError(.invalid, "\(access.name): the manifest of \(chart):\(tag) is not JSON")
        }
        let layers = json["layers"]?.arrayValue ?? []
        guard let layer = layers.first(where: { $0["mediaType"]?.stringValue == Self.chartLayerMediaType }),
            let digest = layer["digest"]?.stringValue, digest.hasPrefix("sha256:")
        else {
            throw ChartError(.invalid, "\(access.name): \(chart):\(tag) is not a Helm chart (no layer of type \(Self.chartLayerMediaType))")
        }
        return digest
    }

    func blob(chart: String, digest: String) async throws(ChartError) -> Data {
        let answer = try await request("/v2/\(repository(chart))/blobs/\(digest)", chart: chart, accept: "*/*")
        guard answer.status == 200 else { throw ChartHTTP.failure(answer, what: "the archive of \(chart) (\(digest))", access: access) }
        return answer.body
    }

    static func digest(_ data: Data) -> String {
        "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Auth

    /// A GET that answers a 401 challenge once: Basic with the credentials, Bearer by asking
    /// the realm for a token (with the credentials, when there are any) for the pull scope.
    func request(_ path: String, chart: String, accept: String) async throws(ChartError) -> HTTPAnswer {
        let url = endpoint.base + path
        let scope = "repository:\(repository(chart)):pull"
        var headers = [("Accept", accept)]
        if let token = await sources.token(for: endpoint.base + " " + scope) {
            headers.append(("Authorization", "Bearer " + token))
        }
        let first = try await sources.http.get(url, headers: headers, access: access)
        guard first.status == 401, let challenge = first.headers.first(name: "WWW-Authenticate") else { return first }
        let (scheme, parameters) = Self.parseChallenge(challenge)
        var retry = [("Accept", accept)]
        switch scheme.lowercased() {
        case "basic":
            guard let basic = access.basicAuthorization else {
                throw ChartError(.unauthorized, "\(access.name): the registry asks for credentials; set credentials.usernameEnv and passwordEnv")
            }
            retry.append(("Authorization", basic))
        case "bearer":
            guard let realm = parameters["realm"] else {
                throw ChartError(.invalid, "\(access.name): the registry's bearer challenge names no realm")
            }
            var components = URLComponents(string: realm)
            var items = components?.queryItems ?? []
            if let service = parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
            items.append(URLQueryItem(name: "scope", value: parameters["scope"] ?? scope))
            components?.queryItems = items
            guard let tokenURL = components?.string else { throw ChartError(.invalid, "\(access.name): bad token realm \(realm)") }
            var tokenHeaders: [(String, String)] = []
            if let basic = access.basicAuthorization { tokenHeaders.append(("Authorization", basic)) }
            let answer = try await sources.http.get(tokenURL, headers: tokenHeaders, access: access)
            guard answer.status == 200 else { throw ChartHTTP.failure(answer, what: "the registry's token endpoint", access: access) }
            guard let json = try? JSONParser.parse(String(decoding: answer.body, as: UTF8.self)),
                let token = json["token"]?.stringValue ?? json["access_token"]?.stringValue
            else {
                throw ChartError(.invalid, "\(access.name): the token endpoint answered no token")
            }
            await sources.setToken(token, for: endpoint.base + " " + scope)
            retry.append(("Authorization", "Bearer " + token))
        default:
            throw ChartError(.invalid, "\(access.name): the registry asks for \(scheme) authentication, which Bosun does not speak")
        }
        let second = try await sources.http.get(url, headers: retry, access: access)
        if second.status == 401 {
            throw ChartError(.unauthorized, "\(access.name): the registry refused the credentials (HTTP 401); check credentials.usernameEnv and passwordEnv")
        }
        return second
    }

    /// `Bearer realm="https://auth",service="registry",scope="repository:x:pull"` → ("Bearer", [...]).
    static func parseChallenge(_ header: String) -> (String, [String: String]) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, [:]) }
        let scheme = String(trimmed[..<space])
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed[trimmed.index(after: space)...])
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            parameters[key] = value
        }
        return (scheme, parameters)
    }
}
