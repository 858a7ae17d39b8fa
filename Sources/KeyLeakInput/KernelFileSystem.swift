internal import CKeyLeakSystem

/// Kernel file systems (/proc, /sys, …) hold no data, only views of the
/// running system, and some of their "regular files" never end
/// (/proc/self/pagemap reads as hundreds of GiB) or block (/proc/kmsg). The
/// walk does not enter them, and a file on one is not read; both are listed
/// as skipped, never passed over in silence.
package enum KernelFileSystem {
    /// The file system's name when `fd` lies on a kernel file system, else nil.
    package static func name(of fd: Int32) -> String? {
        #if os(Linux)
        var info = statfs()
        guard fstatfs(fd, &info) == 0 else { return nil }
        switch UInt64(truncatingIfNeeded: Int64(info.f_type)) & 0xffff_ffff {
        case 0x9fa0: return "proc"
        case 0x6265_6572: return "sysfs"
        case 0x6462_6720: return "debugfs"
        case 0x7472_6163: return "tracefs"
        case 0x0027_e0eb: return "cgroup"
        case 0x6367_7270: return "cgroup2"
        case 0x7363_6673: return "securityfs"
        case 0xcafe_4a11: return "bpf"
        case 0x6e73_6673: return "nsfs"
        case 0xde5e_81e4: return "efivarfs"
        case 0x6273_6467: return "configfs"
        default: return nil
        }
        #else
        return nil
        #endif
    }

    package static func reason(_ name: String) -> String {
        "on the kernel file system \(name) (views of the running system, not data): not scanned"
    }
}
