import Foundation

/// A long, realistic document made from a seed (a server log, a sales table, a code listing,
/// meeting notes) and a question about it whose answer the generator knows: the `L` key's long
/// prompt on instruct models. Everything is generated here, nothing is quoted from elsewhere.
public struct GeneratedDocument: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case serverLog = "server log"
        case salesTable = "sales table (CSV)"
        case codeListing = "Python module"
        case meetingNotes = "set of meeting notes"
    }

    public var kind: Kind
    public var text: String
    public var question: String
    /// The answer, computed from the generated facts (tests check it against the text).
    public var answer: String

    /// The user's message: the document, then the question.
    public var prompt: String { "Here is a \(kind.rawValue):\n\n\(text)\n\n\(question)" }
}

/// One kind of document, built entry by entry (a log line, a table row, a function, an agenda
/// item) until the token target is reached.
protocol DocumentBuilder {
    /// Text before the first entry (a CSV header, a title).
    var preamble: String { get }
    mutating func nextEntry(_ random: inout SeededRandom) -> String
    /// The question and its answer over the entries made so far.
    func questionAndAnswer() -> (String, String)
}

public enum DocumentGenerator {
    /// A rough token count (one per four bytes) for when no tokenizer is at hand.
    public static let estimateTokens: @Sendable (String) -> Int = { ($0.utf8.count + 2) / 4 }

    /// A document of about `targetTokens` tokens (at least one entry), measured with
    /// `countTokens` entry by entry; `kind` nil picks one from the seed.
    public static func make(seed: UInt64, targetTokens: Int, kind: GeneratedDocument.Kind? = nil,
                            countTokens: (String) -> Int = estimateTokens) -> GeneratedDocument {
        var random = SeededRandom(seed: seed ^ 0x444f_4355_4d45_4e54)
        let kinds = GeneratedDocument.Kind.allCases
        let chosen = kind ?? kinds[random.index(kinds.count)]
        switch chosen {
        case .serverLog: return build(ServerLogBuilder(random: &random), kind: chosen, target: targetTokens, random: &random, count: countTokens)
        case .salesTable: return build(SalesTableBuilder(), kind: chosen, target: targetTokens, random: &random, count: countTokens)
        case .codeListing: return build(CodeListingBuilder(), kind: chosen, target: targetTokens, random: &random, count: countTokens)
        case .meetingNotes: return build(MeetingNotesBuilder(random: &random), kind: chosen, target: targetTokens, random: &random, count: countTokens)
        }
    }

    private static func build<B: DocumentBuilder>(_ builder: B, kind: GeneratedDocument.Kind, target: Int,
                                                  random: inout SeededRandom, count: (String) -> Int) -> GeneratedDocument {
        var builder = builder
        var parts = [builder.preamble]
        var tokens = count(builder.preamble + "\n")
        // Entries are counted one by one (linear work); a tokenizer splits at their line breaks,
        // so the sum is close to the whole document's count.
        repeat {
            let entry = builder.nextEntry(&random)
            parts.append(entry)
            tokens += count(entry + "\n")
        } while tokens < target
        let (question, answer) = builder.questionAndAnswer()
        return GeneratedDocument(kind: kind, text: parts.filter { !$0.isEmpty }.joined(separator: "\n"),
                                 question: question, answer: answer)
    }

    static func pick(_ list: [String], _ r: inout SeededRandom) -> String { list[r.index(list.count)] }
    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Application log lines; one service is troubled and logs more errors than the others.
struct ServerLogBuilder: DocumentBuilder {
    static let services = ["auth", "payments", "search", "inventory", "email", "gateway", "billing", "profile"]
    static let errors = ["timeout calling the database after 3000 ms", "connection refused by upstream",
                         "invalid token signature", "disk usage above 95 percent", "rate limit exceeded for client",
                         "null value in required field customer_id"]
    static let infos = ["request completed in %d ms", "cache hit ratio %d percent", "user signed in",
                        "health check passed", "scheduled job finished in %d ms", "config reloaded"]
    let troubled: String
    var seconds = 8 * 3600
    var errorCounts: [String: Int] = [:]
    var messageCounts: [String: [String: Int]] = [:]
    var preamble: String { "" }

    init(random: inout SeededRandom) { troubled = DocumentGenerator.pick(Self.services, &random) }

    mutating func nextEntry(_ r: inout SeededRandom) -> String {
        seconds += 1 + r.index(9)
        let service = r.unit() < 0.3 ? troubled : DocumentGenerator.pick(Self.services, &r)
        let errorChance = service == troubled ? 0.35 : 0.08
        let time = "2026-03-14 \(DocumentGenerator.twoDigits(seconds / 3600 % 24)):\(DocumentGenerator.twoDigits(seconds / 60 % 60)):\(DocumentGenerator.twoDigits(seconds % 60))"
        let roll = r.unit()
        if roll < errorChance {
            // The troubled service mostly repeats one failure; others fail at random.
            let message = service == troubled && r.unit() < 0.6 ? Self.errors[0] : DocumentGenerator.pick(Self.errors, &r)
            errorCounts[service, default: 0] += 1
            messageCounts[service, default: [:]][message, default: 0] += 1
            return "\(time) ERROR [\(service)] \(message)"
        }
        let level = roll < errorChance + 0.1 ? "WARN " : "INFO "
        let info = DocumentGenerator.pick(Self.infos, &r).replacingOccurrences(of: "%d", with: String(5 + r.index(400)))
        return "\(time) \(level)[\(service)] \(info)"
    }

    func questionAndAnswer() -> (String, String) {
        let question = "Which service logged the most ERROR lines in this log, and what was its most frequent error message?"
        guard let top = errorCounts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else {
            return (question, "no service logged an error")
        }
        let message = messageCounts[top.key]!.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })!.key
        return (question, "\(top.key) with \(top.value) errors; most often \"\(message)\"")
    }
}

/// CSV sales rows over regions and products; whole-dollar prices keep the sums exact.
struct SalesTableBuilder: DocumentBuilder {
    static let regions = ["North", "South", "East", "West", "Central"]
    static let products = ["desk lamp", "office chair", "notebook", "monitor stand", "keyboard", "water bottle"]
    var day = 0
    var revenue: [String: Int] = [:]
    var preamble: String { "date,region,product,units,unit_price,revenue" }

    mutating func nextEntry(_ r: inout SeededRandom) -> String {
        day += r.index(2)
        let region = DocumentGenerator.pick(Self.regions, &r)
        let product = DocumentGenerator.pick(Self.products, &r)
        let units = 1 + r.index(40), price = 5 + r.index(120)
        revenue[region, default: 0] += units * price
        let date = "2026-\(DocumentGenerator.twoDigits(1 + day / 28 % 12))-\(DocumentGenerator.twoDigits(1 + day % 28))"
        return "\(date),\(region),\(product),\(units),\(price),\(units * price)"
    }

    func questionAndAnswer() -> (String, String) {
        let top = revenue.max { ($0.value, $1.key) < ($1.value, $0.key) }!
        return ("Which region has the highest total revenue in this table, and what is that total?",
                "\(top.key), \(top.value)")
    }
}
