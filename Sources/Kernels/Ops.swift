/// The kernels the model calls. Each has a plain twin in `Reference` and a test that compares them.
/// (Initially these forward to `Reference`; fast variants replace the bodies, not the signatures.)
public enum Ops {
    /// y[t, r] = Σ_c W[r, c] · x[t, c]; work is split by output rows across `threads`.
    public static func matmul(_ w: MatrixView, x: UnsafePointer<Float>, tokenCount: Int, y: UnsafeMutablePointer<Float>, threads: ComputeThreads) {
        Reference.matmul(w, x: x, tokenCount: tokenCount, y: y)
    }
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float, into out: UnsafeMutablePointer<Float>) {
        Reference.rmsNorm(x, weight: weight, count: count, eps: eps, into: out)
    }
    public static func rope(_ v: UnsafeMutablePointer<Float>, headCount: Int, headDim: Int, ropeDim: Int, position: Int, freqBase: Float) {
        Reference.rope(v, headCount: headCount, headDim: headDim, ropeDim: ropeDim, position: position, freqBase: freqBase)
    }
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) { Reference.softmax(x, count: count) }
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        Reference.swiglu(gate: gate, up: up, count: count, into: out)
    }
    /// Σ a[i]·b[i] in float (attention scores).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s: Float = 0
        for i in 0..<count { s += a[i] * b[i] }
        return s
    }
    /// y += alpha · x (attention value accumulation).
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }
}

/// The threads of one instance that a kernel may split its work across. Thread 0 is the caller.
/// (Initial version: runs everything on the caller.)
public final class ComputeThreads: @unchecked Sendable {
    public let count: Int
    public init(count: Int = 1, cores: [Int]? = nil) { self.count = max(1, count) }
    /// Runs body(i) for i in 0..<count, i = 0 on the calling thread, and returns when all are done.
    public func run(_ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}
