import CKernels

/// Owns copies of quantized matrices repacked into row groups (`pd_repack_row_groups`): for every
/// 8 rows and block, the 8 scales together and the 8 payloads interleaved after them (four bytes
/// of each row per 32-bit lane, PD_ROW_GROUPS_VNNI), which the row-group kernels of AVX2 and
/// AVX-512 read as one sequential stream, with one scale load per block and no horizontal sums,
/// for the same bits (the same integer sums and reduction order). AVX2's Q8_0 GEMM (long prefill)
/// keeps reading the file layout, and ragged rows fall back to it, so the file stays mapped beside
/// the copy; only done when this machine's kernels can read row groups.
// Unchecked: the buffers are written once in `add` and only read after the views are handed out.
public final class RowGroupStore: @unchecked Sendable {
    private var buffers: [UnsafeMutableRawPointer] = []
    public private(set) var byteCount = 0

    public init() {}

    deinit { buffers.forEach { $0.deallocate() } }

    /// Whether the kernels in use read row groups (AVX2 and AVX-512 do; scalar reads the file layout).
    public static var isUseful: Bool { KernelISA.current != .scalar }

    /// `view` with a repacked copy attached, when its type has row groups (Q8_0, Q4_0, Q4_1) and
    /// its rows are a multiple of 8; otherwise `view` as it is.
    public func add(_ view: MatrixView) -> MatrixView {
        guard [.q8_0, .q4_0, .q4_1].contains(view.type), view.rows % 8 == 0, view.rows > 0 else { return view }
        let bytes = view.rows * view.rowBytes
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let layout = pd_repack_row_groups(Int32(view.type.rawValue), view.data, Int64(view.rows), Int64(view.cols / 32), buffer)
        guard layout != 0 else { buffer.deallocate(); return view }
        buffers.append(buffer)
        byteCount += bytes
        return view.with(rowGroups: UnsafeRawPointer(buffer), layout: layout)
    }
}
