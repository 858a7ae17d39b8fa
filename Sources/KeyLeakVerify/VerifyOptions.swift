import Foundation

/// Where and how `scan --verify` sends its requests, checked before the scan
/// starts (a bad endpoint or CA file is a usage error, exit 2).
public struct VerifyOptions: Sendable, Equatable {
    /// The environment variable that sets the endpoint when `--verify-endpoint` is not given.
    public static let endpointVariable = "KEYLEAK_VERIFY_ENDPOINT"

    /// The base URL every request goes to instead of the key's region's
    /// identity endpoint (`https://identity.<region>.oci.<realm domain>`):
    /// another realm, a private endpoint, a test server. HTTPS only. Default: nil.
    public var endpoint: String?
    /// A PEM file of CA certificates trusted besides the system's. Default: nil.
    public var caFile: String?
    /// Seconds a request may take, connection and TLS included, before its key
    /// is reported unknown. Default 5.
    public var timeoutSeconds: Int64 = 5
    /// Requests in flight at once. Default 4.
    public var concurrency = 4
    /// Requests per scan at most (each distinct key and identity is one); the
    /// keys past it are reported unknown, never retried. Default 100.
    public var maxRequests = 100
    /// The `user-agent` header. Default `keyleak`; the scan sets its version.
    public var userAgent = "keyleak"

    /// Options with `endpoint` and `caFile` (nil: the defaults).
    public init(endpoint: String? = nil, caFile: String? = nil) {
        self.endpoint = endpoint
        self.caFile = caFile
    }
}

/// Why `--verify` cannot start (exit 2): the endpoint or the CA file.
public enum VerifyError: Error, CustomStringConvertible, Equatable {
    /// `--verify-endpoint` is not an `https://host[:port][/path]` URL.
    case endpoint(String, String)
    /// `--verify-ca` cannot be read or holds no PEM certificate.
    case caFile(String, String)

    /// One line naming the value and what is wrong.
    public var description: String {
        switch self {
        case let .endpoint(url, reason): return "--verify-endpoint \(url): \(reason)"
        case let .caFile(path, reason): return "--verify-ca \(path): \(reason)"
        }
    }
}

/// A base URL requests are sent to: `https://host[:port]` plus a path prefix.
package struct VerifyEndpoint: Sendable, Equatable {
    /// `https://host[:port]`, as reported in `verification.endpoint`.
    package var origin: String
    /// `host[:port]` as the URL writes it: the `host` header, signed.
    package var host: String
    /// A path the API paths go under (`/oci`), empty for none.
    package var pathPrefix: String

    /// The identity endpoint of `region` in the realm whose domain is `domain`.
    package init(region: String, domain: String) {
        host = "identity.\(region).oci.\(domain)"
        origin = "https://" + host
        pathPrefix = ""
    }

    /// Parses `--verify-endpoint`: HTTPS only, no credentials, query or fragment.
    package init(parsing text: String) throws(VerifyError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            throw .endpoint(text, "not a URL")
        }
        guard scheme == "https" else { throw .endpoint(text, "must be https:// (TLS is always used and verified)") }
        guard let name = url.percentEncodedHost, !name.isEmpty else { throw .endpoint(text, "has no host") }
        guard url.user == nil, url.password == nil, url.query == nil, url.fragment == nil else {
            throw .endpoint(text, "must be https://host[:port][/path], without credentials, query or fragment")
        }
        let bracketed = name.contains(":") && !name.hasPrefix("[") ? "[\(name)]" : name
        host = bracketed.lowercased() + (url.port.map { ":\($0)" } ?? "")
        origin = "https://" + host
        var path = url.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        pathPrefix = path
    }
}

/// OCI realms and their domains (the OCI SDK's `regions_definitions.REALMS`),
/// for the identity endpoint of a region: the realm is read from the tenancy OCID.
package enum OCIRealms {
    /// Realm key → second-level domain.
    package static let domains: [String: String] = [
        "oc1": "oraclecloud.com", "oc2": "oraclegovcloud.com", "oc3": "oraclegovcloud.com", "oc4": "oraclegovcloud.uk",
        "oc8": "oraclecloud8.com", "oc9": "oraclecloud9.com", "oc10": "oraclecloud10.com", "oc14": "oraclecloud14.com",
        "oc15": "oraclecloud15.com", "oc19": "oraclecloud.eu", "oc20": "oraclecloud20.com", "oc21": "oraclecloud21.com",
        "oc23": "oraclecloud23.com", "oc24": "oraclecloud24.com", "oc26": "oraclecloud26.com", "oc29": "oraclecloud29.com",
        "oc35": "oraclecloud35.com", "oc42": "oraclecloud42.com", "oc51": "oraclecloud51.com", "oc52": "oraclecloud52.com",
    ]
}
