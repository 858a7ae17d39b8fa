import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import Foundation

/// `keyleak merge`: combines the JSON or SARIF reports of sharded scans into
/// one, findings sorted and exact duplicates dropped, summaries added up.
public enum ReportMerger {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public enum Kind: Sendable { case json, sarif }

    public static func merge(files: [String]) throws -> (Kind, Data) {
        var objects: [[String: Any]] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw Failure(description: "\(file): cannot read it") }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Failure(description: "\(file): not a JSON report")
            }
            objects.append(object)
        }
        let sarif = objects.map { $0["runs"] != nil }
        guard !objects.isEmpty, sarif.allSatisfy({ $0 == sarif[0] }) else {
            throw Failure(description: objects.isEmpty ? "no reports to merge" : "cannot merge JSON and SARIF reports together")
        }
        for (file, object) in zip(files, objects) where !sarif[0] && object["version"] as? Int != 1 {
            throw Failure(description: "\(file): not a keyleak JSON report (version 1)")
        }
        return sarif[0] ? (.sarif, try mergeSARIF(objects)) : (.json, try mergeJSON(objects))
    }

    private static func key(_ f: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: f, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func mergeJSON(_ reports: [[String: Any]]) throws -> Data {
        var seen = Set<String>()
        var findings: [[String: Any]] = []
        var summary: [String: Any] = ["files": 0, "bytes": 0, "skipped": [Any](), "suppressed": 0, "allowed": 0,
                                      "baselined": 0, "duration_ms": 0]
        for report in reports {
            for f in report["findings"] as? [[String: Any]] ?? [] where seen.insert(key(f)).inserted { findings.append(f) }
            let s = report["summary"] as? [String: Any] ?? [:]
            for name in ["files", "bytes", "suppressed", "allowed", "baselined"] {
                summary[name] = (summary[name] as? Int ?? 0) + (s[name] as? Int ?? 0)
            }
            summary["duration_ms"] = max(summary["duration_ms"] as? Int ?? 0, s["duration_ms"] as? Int ?? 0)
            summary["skipped"] = (summary["skipped"] as? [Any] ?? []) + (s["skipped"] as? [Any] ?? [])
        }
        findings.sort { a, b in
            let pa = a["path"] as? String ?? "", pb = b["path"] as? String ?? ""
            if pa != pb { return pa.utf8.lexicographicallyPrecedes(pb.utf8) }
            let la = a["line"] as? Int ?? 0, lb = b["line"] as? Int ?? 0
            if la != lb { return la < lb }
            return (a["rule"] as? String ?? "") < (b["rule"] as? String ?? "")
        }
        return try JSONSerialization.data(withJSONObject: ["version": 1, "findings": findings, "summary": summary],
                                          options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    private static func mergeSARIF(_ reports: [[String: Any]]) throws -> Data {
        var rules: [[String: Any]] = []
        var ruleIndex: [String: Int] = [:]
        var results: [[String: Any]] = []
        var seen = Set<String>()
        var first: [String: Any]?
        for report in reports {
            for run in report["runs"] as? [[String: Any]] ?? [] {
                if first == nil { first = run }
                let driver = (run["tool"] as? [String: Any])?["driver"] as? [String: Any] ?? [:]
                for rule in driver["rules"] as? [[String: Any]] ?? [] {
                    guard let id = rule["id"] as? String, ruleIndex[id] == nil else { continue }
                    ruleIndex[id] = rules.count
                    rules.append(rule)
                }
                for var result in run["results"] as? [[String: Any]] ?? [] where seen.insert(key(result)).inserted {
                    if let id = result["ruleId"] as? String, let index = ruleIndex[id] { result["ruleIndex"] = index }
                    results.append(result)
                }
            }
        }
        var run = first ?? [:]
        var tool = run["tool"] as? [String: Any] ?? [:]
        var driver = tool["driver"] as? [String: Any] ?? ["name": "keyleak"]
        driver["rules"] = rules
        tool["driver"] = driver
        run["tool"] = tool
        run["results"] = results
        var merged = reports[0]
        merged["runs"] = [run]
        return try JSONSerialization.data(withJSONObject: merged, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
