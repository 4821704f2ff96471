/// IEEE half-precision conversions with round-to-nearest-even, matching ggml's FP32_TO_FP16.
@inline(__always)
public func halfBits(from value: Float) -> UInt16 { Float16(value).bitPattern }

@inline(__always)
public func float(fromHalfBits bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
