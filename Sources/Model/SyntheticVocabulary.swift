/// The vocabulary of synthetic models: English-like word pieces, so that even a stream of random
/// tokens reads as word-shaped text, plus everything a SentencePiece vocabulary needs to encode
/// any text (`<unk>`, `<s>`, `</s>`, the 256 `<0xXX>` byte tokens, single characters).
///
/// Layout: 0 `<unk>`, 1 `<s>`, 2 `</s>`, 3...258 bytes, then single characters, then merged pieces
/// in priority order with scores 0, -1, -2, ... A word enters with all its prefixes first
/// ("▁t", "▁th", "▁the"), so every piece can be reached by pairwise merges and the common,
/// shorter pieces merge first. The list is fixed: the same size always gives the same vocabulary.
enum SyntheticVocabulary {
    static let specialCount = 3 + 256

    /// The smallest size that holds the specials and all single characters.
    static var minimumSize: Int { specialCount + characters.count }

    static func make(size: Int) -> (tokens: [String], scores: [Float], types: [Int32]) {
        precondition(size >= minimumSize, "a synthetic vocabulary needs at least \(minimumSize) tokens")
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [Int32] = [2, 3, 3]
        for b in 0..<256 {
            let hex = String(b, radix: 16, uppercase: true)
            tokens.append("<0x" + (hex.count == 1 ? "0" + hex : hex) + ">")
            types.append(6)
        }
        var seen = Set(tokens)
        func add(_ piece: String) {
            guard tokens.count < size, !seen.contains(piece) else { return }
            seen.insert(piece); tokens.append(piece); types.append(1)
        }
        /// A piece and, before it, each of its prefixes of two or more characters.
        func addWithPrefixes(_ piece: String) {
            let chars = Array(piece)
            for n in 2...max(chars.count, 2) where n <= chars.count { add(String(chars[..<n])) }
        }
        characters.forEach { add(String($0)) }
        for w in words { addWithPrefixes("\u{2581}" + w) }
        suffixes.forEach(addWithPrefixes)
        // Syllables fill the rest: word starts ("▁bra") and word middles ("bra"), short ones first.
        for s in syllables where tokens.count < size { addWithPrefixes("\u{2581}" + s); addWithPrefixes(s) }
        precondition(tokens.count == size, "the built-in piece lists ran out at \(tokens.count) tokens")

        var scores = [Float](repeating: 0, count: size)
        for i in (specialCount + characters.count)..<size { scores[i] = -Float(i - specialCount - characters.count) }
        return (tokens, scores, types)
    }

    /// '▁' (space), letters, digits and common punctuation: plain text never needs byte fallback.
    static let characters: [Character] = Array("\u{2581}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()")

    static let words: [String] = """
    the and to a was he she it they in of you I his her said with on for that is at one day \
    The Once He She It They Lily Tom Ben Sam Mia Max There upon time little big happy sad \
    play played wanted went saw very friend friends mom dad tree ball dog cat bird car house \
    park sun water fun toy toys box red blue green good new old all but so we had not be \
    are were out up down can could would look looked help helped like liked love loved \
    find found made make run ran jump jumped walk walked smile smiled laugh laughed home \
    together after then when what where who why how this from have has did do into \
    over under about again back away best fast slow long small warm cold nice kind \
    always never every some many more most other each know knew think thought feel felt \
    girl boy man woman king queen dragon fish bear bunny flower garden sky rain snow \
    school book story stories world light night morning sleep dream eat ate food apple \
    cake milk door window room bed table chair hat shoe shoes hand hands head eyes \
    because something someone anything nothing everyone thing things people place \
    learned learn share shared sorry thank thanks please yes no okay wow oh
    """.split(separator: " ").map(String.init)

    static let suffixes = ["ing", "ed", "er", "ers", "ly", "es", "s", "est", "en", "ion", "tion", "ment",
                           "ness", "ful", "less", "able", "al", "ous", "ive", "ity", "y", "ie", "le"]

    /// Onset + vowel (+ coda) combinations, ordered so shorter and commoner ones come first.
    static let syllables: [String] = {
        let onsets = ["t", "s", "b", "m", "p", "d", "l", "r", "n", "k", "g", "h", "f", "w", "c", "j", "v", "z",
                      "th", "sh", "ch", "st", "tr", "br", "pl", "gr", "fl", "cl", "sp", "bl", "dr", "cr", "sl",
                      "sn", "sw", "fr", "wh", "qu", "sk", "sm", "str", "spr", "thr", "scr"]
        let vowels = ["a", "e", "i", "o", "u", "ee", "oo", "ai", "ea", "ou", "oa", "ay", "ow", "y"]
        let codas = ["", "n", "t", "r", "s", "d", "l", "m", "ck", "ng", "nd", "st", "p", "g", "ll", "nt",
                     "sh", "ch", "th", "rt", "rk", "mp", "ft", "x", "ve", "ke", "te", "ne", "se", "de"]
        var out: [String] = []
        for coda in codas { for o in onsets { for v in vowels { out.append(o + v + coda) } } }
        return out
    }()
}
