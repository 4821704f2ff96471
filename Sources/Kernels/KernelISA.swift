import CKernels

/// The family of C kernels in use. Picked once from the CPU's features (AVX-512 F+BW+VL+VNNI,
/// else AVX2+FMA+F16C, else portable scalar), or forced with `PDSCOPE_ISA=scalar|avx2|avx512`
/// (capped at what the CPU has); tests and benchmarks may switch it to compare variants.
public enum KernelISA: Int, Sendable, CaseIterable, CustomStringConvertible {
    case scalar = 0
    case avx2 = 1
    case avx512 = 2

    /// The family the kernels use now.
    public static var current: KernelISA { KernelISA(rawValue: Int(pd_kernels_isa())) ?? .scalar }
    /// The best family this CPU supports.
    public static var best: KernelISA { KernelISA(rawValue: Int(pd_kernels_best_isa())) ?? .scalar }

    /// Switches the kernels to `isa` (the best supported level below it when the CPU lacks it)
    /// and returns the family now in use. Not safe while kernels run on other threads.
    @discardableResult
    public static func use(_ isa: KernelISA) -> KernelISA {
        KernelISA(rawValue: Int(pd_kernels_set_isa(Int32(isa.rawValue)))) ?? .scalar
    }

    /// A one-line note about `PDSCOPE_ISA` when it is set to something unknown or to a level this
    /// CPU lacks; nil when it is unset or honoured.
    public static var environmentNote: String? {
        let requested = Int(pd_kernels_requested_isa())
        if requested == -2 { return "PDSCOPE_ISA must be scalar, avx2 or avx512; ignored" }
        if requested >= 0, let isa = KernelISA(rawValue: requested), isa.rawValue > best.rawValue {
            return "PDSCOPE_ISA=\(isa) is not supported by this CPU; using \(best)"
        }
        return nil
    }

    /// A name and what the family uses, e.g. "avx512 (AVX-512 F/BW/VL + VNNI dot products)".
    public var summary: String {
        switch self {
        case .scalar: return "scalar (portable C)"
        case .avx2: return "avx2 (AVX2 + FMA + F16C)"
        case .avx512: return "avx512 (AVX-512 F/BW/VL + VNNI dot products)"
        }
    }

    public var description: String {
        switch self {
        case .scalar: return "scalar"
        case .avx2: return "avx2"
        case .avx512: return "avx512"
        }
    }
}
