import KeyLeakInput
import KeyLeakMatching

/// The passwords keyleak tries on key containers (PKCS#12, JKS, JCEKS): none
/// and the documented defaults that real containers are left with. A
/// container one of them opens is as good as unprotected. The list is short
/// on purpose: each try costs the container's key derivation (thousands of
/// hash iterations), and these are not guesses but published defaults.
package enum WellKnownPasswords {
    /// In the order tried: the empty password (what `openssl pkcs12 -export
    /// -passout pass:` writes, and tools that export "without a password"),
    /// `password`, `changeit` (the JDK's `cacerts` and Tomcat's documented
    /// keystore password), `changeme`, `secret`, `test`, `storepwd`,
    /// `keystore`, `123456` (tutorials and generated samples), `android` (the
    /// Android SDK's debug keystore, `~/.android/debug.keystore`), and
    /// `notasecret` (the password of every Google Cloud service-account `.p12`).
    package static let all = ["", "password", "changeit", "changeme", "secret", "test", "storepwd", "keystore", "123456",
                              "android", "notasecret"]

    /// Key-derivation iterations keyleak spends on one container, summed
    /// over the passwords it tries. Default: 5 million, what Java accepts
    /// for one JCEKS key (`jdk.jceks.iterationCount`'s maximum). Java's own
    /// JCEKS keys take 200,000 (all 11 passwords fit); OpenSSL's PKCS#12
    /// takes 2,048 and Java's 10,000. NOTE: a crafted container could
    /// otherwise declare billions of iterations and stall the scan.
    package static let iterationBudget = 5_000_000

    /// How many of the passwords (in order) fit the budget when each try
    /// costs `iterations`; at least one (the empty password) when a single
    /// try fits at all.
    package static func affordable(iterations: Int) -> Int {
        let cost = max(1, iterations)
        return min(all.count, iterationBudget / cost)
    }
}
