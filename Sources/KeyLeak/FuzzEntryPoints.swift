import KeyLeakInput
import KeyLeakMatching
import KeyLeakAnalysis
import KeyLeakReport
/// Entry points for the libFuzzer targets in `Fuzz/`: each takes arbitrary
/// bytes through one stage of the pipeline. They return a count so the work
/// cannot be optimised away; any crash or hang is the finding.
public enum FuzzEntryPoints {
    private static let ruleSet = try! RuleSet()

    /// Matching, PEM normalisation and every key parser, as a scan of one blob.
    public static func scan(_ bytes: [UInt8]) -> Int {
        BlobScanner(ruleSet: ruleSet).scan(path: "fuzz", bytes: bytes).count
    }

    /// The OCI settings parser (INI, Terraform, OCI_CLI_* variables), the
    /// configparser reader doctor uses, and the SDK's PEM reading of key files.
    public static func settings(_ bytes: [UInt8]) -> Int {
        let document = INIDocument.parse(bytes)
        let loaded = (try? OCIKeyLoader.load(bytes, passPhrase: "pw").get()) != nil ? 1 : 0
        return bytes.withUnsafeBytes { OCIConfig.identities(in: $0).count } + document.sections.count + loaded
            + (SessionToken.parse(bytes) == nil ? 0 : 1)
    }

    /// The archive reader over an in-memory archive, members scanned.
    public static func archive(_ bytes: [UInt8]) -> Int {
        var count = 0
        var skipped: [(String, String)] = []
        let scanner = BlobScanner(ruleSet: ruleSet)
        ArchiveReader().scan(bytes: bytes, name: "fuzz", member: { name, read in
            count += try scanner.scan(Provenance(path: name), read: read).findings.count
        }, skipped: &skipped)
        return count + skipped.count
    }
}
