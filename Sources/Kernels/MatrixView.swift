/// A borrowed view of a row-major weight matrix in its file encoding: `rows` output rows,
/// each `cols` input elements long (ggml's ne1 × ne0). y[r] = Σ_c W[r, c] · x[c].
public struct MatrixView: Sendable {
    public let type: TensorType
    public let rows: Int
    public let cols: Int
    private let bytes: ReadOnlyBytes
    public var data: UnsafeRawPointer { bytes.base }
    /// The same matrix repacked into row groups for the decode kernels (`RowGroupStore`), or nil.
    public private(set) var rowGroups: ReadOnlyBytes?
    /// The layout of `rowGroups` (PD_ROW_GROUPS_*, 0 without them): the kernels read it only when
    /// it is their family's layout.
    public private(set) var rowGroupLayout: Int32 = 0

    public init(type: TensorType, rows: Int, cols: Int, data: UnsafeRawPointer) {
        precondition(cols % type.blockSize == 0, "row length \(cols) is not a multiple of \(type)'s block")
        self.type = type; self.rows = rows; self.cols = cols; self.bytes = ReadOnlyBytes(data)
    }

    /// This view with `rowGroups` set (see `RowGroupStore.add`).
    func with(rowGroups: UnsafeRawPointer, layout: Int32) -> MatrixView {
        var copy = self
        copy.rowGroups = ReadOnlyBytes(rowGroups)
        copy.rowGroupLayout = layout
        return copy
    }

    /// Bytes of one row.
    public var rowBytes: Int { cols / type.blockSize * type.blockBytes }
    /// Start of row `r`.
    public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }
}

/// A pointer to bytes nobody writes while it is shared (model weights, mapped or copied once).
// Unchecked: the compiler cannot see that the bytes are immutable and outlive every holder.
public struct ReadOnlyBytes: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public init(_ base: UnsafeRawPointer) { self.base = base }
}
