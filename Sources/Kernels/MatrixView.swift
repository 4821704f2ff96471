/// A borrowed view of a row-major weight matrix in its file encoding: `rows` output rows,
/// each `cols` input elements long (ggml's ne1 × ne0). y[r] = Σ_c W[r, c] · x[c].
public struct MatrixView: @unchecked Sendable {
    public let type: TensorType
    public let rows: Int
    public let cols: Int
    public let data: UnsafeRawPointer

    public init(type: TensorType, rows: Int, cols: Int, data: UnsafeRawPointer) {
        precondition(cols % type.blockSize == 0, "row length \(cols) is not a multiple of \(type)'s block")
        self.type = type; self.rows = rows; self.cols = cols; self.data = data
    }

    /// Bytes of one row.
    public var rowBytes: Int { cols / type.blockSize * type.blockBytes }
    /// Start of row `r`.
    public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }
}
