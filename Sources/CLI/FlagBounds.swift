import ArgumentParser
import CPlatform
import Engine

/// Sane bounds for the commands' own numbers (the engine's are in `EngineLimits`), each failure one
/// line saying what was asked, the limit and why. Checked in `validate()`, before anything is
/// loaded or allocated.
enum FlagBounds {
    static func speed(_ value: Double, flag: String = "--speed") throws {
        guard value.isFinite, value > 0 else { throw ValidationError("\(flag) must be a positive number, got \(value)") }
        guard value >= 0.001 else { throw ValidationError("\(flag) \(value): at least 0.001 (slower stretches one second of arrivals past a quarter of an hour)") }
        guard value <= 1_000_000 else { throw ValidationError("\(flag) \(value): at most 1,000,000 (faster changes nothing: every arrival is already due at once)") }
    }

    /// Compute threads: more than a few per CPU only contend for the same cores.
    static func threads(_ value: Int, flag: String = "--threads") throws {
        guard value >= 1 else { throw ValidationError("\(flag) must be at least 1, got \(value)") }
        let cpus = max(1, Int(pd_available_cpu_count()))
        guard value <= 4 * cpus else {
            throw ValidationError("\(flag) \(value): at most \(4 * cpus), 4 × this machine's \(cpus) CPU\(cpus == 1 ? "" : "s") (more threads only contend for the same cores)")
        }
    }

    /// A count of runs, requests or tokens with a fixed ceiling.
    static func count(_ value: Int, flag: String, in range: ClosedRange<Int>, why: String) throws {
        guard value >= range.lowerBound else { throw ValidationError("\(flag) must be at least \(range.lowerBound), got \(value)") }
        guard value <= range.upperBound else {
            throw ValidationError("\(flag) \(value): at most \(EngineLimits.grouped(range.upperBound)) (\(why))")
        }
    }
}
