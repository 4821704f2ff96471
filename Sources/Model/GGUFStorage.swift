import Kernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes behind a GGUFFile: either a read-only memory mapping of a file or an owned copy
/// of an in-memory buffer. Pointers into it stay valid for the storage's lifetime.
final class GGUFStorage: Sendable {
    /// How the bytes are given back at deinit.
    private enum Owner: Sendable { case none, mapping, allocation }
    private let bytes: ReadOnlyBytes?
    let count: Int
    private let owner: Owner
    var base: UnsafeRawPointer? { bytes?.base }

    /// Maps `path` read-only. Errors name the path as the user gave it.
    init(mapping path: String, name: String) throws {
        // Non-blocking so that a FIFO is refused below instead of blocking the open forever.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw GGUFError("\(name): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GGUFError("\(name): cannot stat: \(String(cString: strerror(errno)))") }
        if let kind = RegularFile.kind(of: info.st_mode) { throw GGUFError("\(name): not a regular file (\(kind))") }
        let size = Int(info.st_size)
        if size == 0 {
            // mmap refuses zero bytes; the parser reports the empty file as truncated.
            bytes = nil; count = 0; owner = .none
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw GGUFError("\(name): cannot map \(size) bytes: \(String(cString: strerror(errno)))")
        }
        bytes = ReadOnlyBytes(mapped); count = size; owner = .mapping
    }

    /// Copies `bytes` into a 64-byte aligned buffer so tensor data gets the same alignment a mapping would give.
    init(copying bytes: [UInt8]) {
        count = bytes.count
        guard !bytes.isEmpty else { self.bytes = nil; owner = .none; return }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        self.bytes = ReadOnlyBytes(buffer)
        owner = .allocation
    }

    deinit {
        guard let base else { return }
        switch owner {
        case .none: break
        case .mapping: munmap(UnsafeMutableRawPointer(mutating: base), count)
        case .allocation: base.deallocate()
        }
    }
}
