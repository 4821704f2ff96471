#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Models, workloads and traces are read from regular files: a FIFO would block the reader
/// forever, a directory or device reads as nonsense. One check and one wording for every command,
/// naming the path as the user gave it.
public enum RegularFile {
    /// Why `path` cannot be read as a regular file ("no such file", "not a regular file (a FIFO)",
    /// "cannot be read (permission denied)"), or nil when it can. Never opens the file (opening a
    /// FIFO blocks).
    public static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? "no such file" : "cannot be read (\(String(cString: strerror(errno))))"
        }
        if let kind = kind(of: info.st_mode) { return "not a regular file (\(kind))" }
        guard access(path, R_OK) == 0 else { return "cannot be read (\(String(cString: strerror(errno)).lowercased()))" }
        return nil
    }

    /// A non-regular file's kind in words, or nil for a regular file.
    static func kind(of mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }
}
