import Foundation
import KeyLeakInput
import KeyLeakMatching

/// Where the OCI SDK connects for a profile's `region` (`oci/regions.py`,
/// `endpoint_for`): the region is lowercased, a short name (`iad`) becomes
/// its identifier, an unknown one is looked up in `~/.oci/regions-config.json`
/// and `$OCI_REGION_METADATA`, a value with a `.` is taken as the domain, and
/// anything else unknown is assumed to be in realm oc1 (or in
/// `$OCI_DEFAULT_REALM`). The SDK never rejects a region; an empty one fails
/// only when a client is made ("Must supply either a region or an endpoint").
package struct OCIRegions: Sendable {
    /// Short name to identifier, the SDK's table plus the extra sources.
    private var shortNames = OCIRegionTable.shortNames
    private var regionRealms = OCIRegionTable.regionRealms
    private var realms = OCIRegionTable.realms
    private var regions = OCIRegionTable.regions
    private let defaultRealmDomain: String?
    private let extra: [[String: String]]

    /// Regions as the SDK sees them with `home` as `~` and `environment`'s variables.
    package init(home: String, environment: [String: String]) {
        var extra: [[String: String]] = []
        let file = home + "/.oci/regions-config.json"
        if let data = FileManager.default.contents(atPath: file),
           let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] {
            extra += list.compactMap(OCIRegions.metadata)
        }
        if let text = environment["OCI_REGION_METADATA"], !text.isEmpty,
           let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
           let entry = OCIRegions.metadata(object) {
            extra.append(entry)
        }
        self.extra = extra
        defaultRealmDomain = environment["OCI_DEFAULT_REALM"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A region as resolved.
    package struct Resolved: Sendable, Equatable {
        /// The region identifier (`us-ashburn-1`), or the domain for a dotted value.
        package var region: String
        /// The realm key (`oc1`); nil for a dotted value or an unknown realm.
        package var realm: String?
        /// The SDK knows the region (its table or the extra sources).
        package var known: Bool
        /// The identity service's endpoint, `https://identity.us-ashburn-1.oraclecloud.com`.
        package var endpoint: String
    }

    /// The endpoint the SDK builds for `value` (as written in the profile);
    /// nil for an empty or missing region.
    package func resolve(_ value: String?) -> Resolved? {
        guard let value, !value.isEmpty else { return nil }
        var tables = self
        var region = value.lowercased()
        if !tables.regions.contains(region), tables.shortNames[region] == nil {
            // The SDK reads the extra sources only for a region it does not know.
            for entry in extra { tables.add(entry) }
        }
        let known = tables.regions.contains(region) || tables.shortNames[region] != nil
        if let long = tables.shortNames[region] { region = long }
        if region.contains(".") {
            return Resolved(region: region, realm: nil, known: known, endpoint: "https://identity." + region)
        }
        let realm: String?
        let domain: String
        if let r = tables.regionRealms[region], let d = tables.realms[r] {
            realm = r
            domain = d
        } else if let fallback = defaultRealmDomain {
            realm = nil
            domain = fallback
        } else {
            realm = "oc1"
            domain = tables.realms["oc1"] ?? "oraclecloud.com"
        }
        return Resolved(region: region, realm: realm, known: known, endpoint: "https://identity.\(region).\(domain)")
    }

    /// `_add_region_information_to_lookup`: an entry never replaces one already known.
    private mutating func add(_ entry: [String: String]) {
        guard let key = entry["regionKey"], let id = entry["regionIdentifier"], let realm = entry["realmKey"],
              let domain = entry["realmDomainComponent"] else { return }
        if shortNames[key] == nil { shortNames[key] = id }
        if regionRealms[id] == nil { regionRealms[id] = realm }
        if realms[realm] == nil { realms[realm] = domain }
        regions.insert(id)
    }

    /// A region metadata object with its four fields non-empty, lowercased (`_check_valid_schema`).
    private static func metadata(_ object: [String: Any]) -> [String: String]? {
        var entry: [String: String] = [:]
        for key in ["realmKey", "realmDomainComponent", "regionKey", "regionIdentifier"] {
            guard let value = object[key] as? String, !value.isEmpty else { return nil }
            entry[key] = value.lowercased()
        }
        return entry
    }
}
