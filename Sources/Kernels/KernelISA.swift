import CKernels

/// The family of C kernels in use. Picked once from the CPU's features (AVX2+FMA+F16C, else
/// portable scalar); tests and benchmarks may switch it to compare variants.
public enum KernelISA: Int, Sendable, CaseIterable, CustomStringConvertible {
    case scalar = 0
    case avx2 = 1

    /// The family the kernels use now.
    public static var current: KernelISA { KernelISA(rawValue: Int(pd_kernels_isa())) ?? .scalar }
    /// The best family this CPU supports.
    public static var best: KernelISA { KernelISA(rawValue: Int(pd_kernels_best_isa())) ?? .scalar }

    /// Switches the kernels to `isa` (scalar when unsupported) and returns the family now in use.
    /// Not safe while kernels run on other threads.
    @discardableResult
    public static func use(_ isa: KernelISA) -> KernelISA {
        KernelISA(rawValue: Int(pd_kernels_set_isa(Int32(isa.rawValue)))) ?? .scalar
    }

    public var description: String { self == .avx2 ? "avx2" : "scalar" }
}
