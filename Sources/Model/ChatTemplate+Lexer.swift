/// Cuts a Jinja chat template into literal text, `{{ expression }}` and `{% statement %}` parts,
/// applying the whitespace rules Hugging Face renders chat templates with: `-` inside a tag
/// trims the whitespace on that side, and (trim_blocks, lstrip_blocks) a statement tag takes the
/// newline after it and the indentation before it. `{# comments #}` vanish.
enum ChatTemplateLexer {
    enum Part: Equatable {
        case text(String)
        case output([JinjaToken])
        case statement([JinjaToken])
    }

    static func parts(_ source: String) throws -> [Part] {
        let s = Array(source.unicodeScalars)
        var parts: [Part] = []
        var text: [Unicode.Scalar] = []
        var i = 0
        var trimNextLeading = false
        var afterStatement = false
        func flush() {
            if !text.isEmpty { parts.append(.text(String(String.UnicodeScalarView(text)))) }
            text.removeAll()
        }
        while i < s.count {
            guard s[i] == "{", i + 1 < s.count, s[i + 1] == "{" || s[i + 1] == "%" || s[i + 1] == "#" else {
                if trimNextLeading, s[i].properties.isWhitespace { i += 1; continue }
                if afterStatement, s[i] == "\n" { afterStatement = false; trimNextLeading = false; i += 1; continue }
                trimNextLeading = false; afterStatement = false
                text.append(s[i]); i += 1
                continue
            }
            let kind = s[i + 1]
            let close: Unicode.Scalar = kind == "{" ? "}" : kind
            var start = i + 2
            let trimLeft = start < s.count && s[start] == "-"
            let keepLeft = start < s.count && s[start] == "+"
            if trimLeft || keepLeft { start += 1 }
            // Find the closing `}}`, `%}` or `#}` outside string literals.
            var j = start
            var quote: Unicode.Scalar? = nil
            while j + 1 < s.count {
                if let q = quote {
                    if s[j] == "\\" { j += 2; continue }
                    if s[j] == q { quote = nil }
                } else if kind != "#" && (s[j] == "'" || s[j] == "\"") {
                    quote = s[j]
                } else if s[j] == close && s[j + 1] == "}" {
                    break
                }
                j += 1
            }
            guard j + 1 < s.count else {
                throw ChatTemplateError("the template has an unclosed {\(kind) tag")
            }
            let trimRight = j > start && s[j - 1] == "-"
            let inner = String(String.UnicodeScalarView(s[start..<(trimRight ? j - 1 : j)]))
            if trimLeft {
                while let last = text.last, last.properties.isWhitespace { text.removeLast() }
            } else if kind != "{", !keepLeft {
                // lstrip_blocks: a tag with only spaces and tabs before it on its source line loses them.
                var k = i
                while k > 0, s[k - 1] == " " || s[k - 1] == "\t" { k -= 1 }
                if k == 0 || s[k - 1] == "\n" {
                    var n = i - k
                    while n > 0, let last = text.last, last == " " || last == "\t" { text.removeLast(); n -= 1 }
                }
            }
            flush()
            switch kind {
            case "{": parts.append(.output(try JinjaToken.tokenize(inner)))
            case "%": parts.append(.statement(try JinjaToken.tokenize(inner)))
            default: break
            }
            i = j + 2
            trimNextLeading = trimRight
            afterStatement = kind != "{"
        }
        flush()
        return parts
    }
}

/// One token of a Jinja expression or statement.
enum JinjaToken: Equatable {
    case name(String)
    case string(String)
    case integer(Int)
    case symbol(String)

    static func tokenize(_ source: String) throws -> [JinjaToken] {
        let s = Array(source.unicodeScalars)
        var out: [JinjaToken] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            if c == "_" || c.properties.isAlphabetic {
                var j = i
                while j < s.count, s[j] == "_" || s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) { j += 1 }
                out.append(.name(String(String.UnicodeScalarView(s[i..<j])))); i = j; continue
            }
            if ("0"..."9").contains(c) {
                var j = i
                while j < s.count, ("0"..."9").contains(s[j]) { j += 1 }
                guard let n = Int(String(String.UnicodeScalarView(s[i..<j]))) else { throw ChatTemplateError("number too large in the template") }
                out.append(.integer(n)); i = j; continue
            }
            if c == "'" || c == "\"" {
                var value = String.UnicodeScalarView()
                var j = i + 1
                while j < s.count, s[j] != c {
                    if s[j] == "\\", j + 1 < s.count {
                        j += 1
                        switch s[j] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        default: value.append(s[j])
                        }
                    } else {
                        value.append(s[j])
                    }
                    j += 1
                }
                guard j < s.count else { throw ChatTemplateError("the template has an unterminated string literal") }
                out.append(.string(String(value))); i = j + 1; continue
            }
            let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
            if ["==", "!=", "<=", ">="].contains(two) { out.append(.symbol(two)); i += 2; continue }
            guard "+-*/%~|.,:()[]{}<>=".unicodeScalars.contains(c) else {
                throw ChatTemplateError("the template uses the character '\(c)', which pdscope's template renderer does not know")
            }
            out.append(.symbol(String(c))); i += 1
        }
        return out
    }
}
