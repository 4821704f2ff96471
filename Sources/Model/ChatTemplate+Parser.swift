/// The parsed form of a chat template: the subset of Jinja that chat templates use.
indirect enum JinjaExpr: Sendable {
    case literal(JinjaValue)
    case variable(String)
    case attribute(JinjaExpr, String)
    case index(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?)
    case not(JinjaExpr)
    case negate(JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case filter(JinjaExpr, String, [JinjaExpr])
    case test(JinjaExpr, String, negated: Bool)
    case call(JinjaExpr, [JinjaExpr])
    case conditional(then: JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
    case list([JinjaExpr])
}

indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpr)
    case forLoop(variable: String, iterable: JinjaExpr, body: [JinjaNode])
    case ifChain([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case set(String, JinjaExpr)
}

/// Recursive descent over the lexer's parts. Anything outside the subset is an error naming it,
/// so a template pdscope cannot render is refused when it is loaded, not half-rendered.
struct ChatTemplateParser {
    private let parts: [ChatTemplateLexer.Part]
    private var at = 0

    init(_ parts: [ChatTemplateLexer.Part]) { self.parts = parts }

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = ChatTemplateParser(try ChatTemplateLexer.parts(source))
        let (nodes, end) = try parser.block(until: [])
        if let end { throw ChatTemplateError("the template has {% \(end) %} without its opening tag") }
        return nodes
    }

    /// Nodes up to one of the `until` keywords (returned, with its statement's tokens consumed
    /// by the caller), or to the end (nil).
    private mutating func block(until: Set<String>) throws -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while at < parts.count {
            let part = parts[at]
            at += 1
            switch part {
            case .text(let t): nodes.append(.text(t))
            case .output(let tokens): nodes.append(.output(try JinjaExpressionParser.parseAll(tokens)))
            case .statement(let tokens):
                guard case .name(let keyword)? = tokens.first else { throw ChatTemplateError("the template has an empty {% %} tag") }
                if until.contains(keyword) { at -= 1; return (nodes, keyword) }
                nodes.append(try statement(keyword, Array(tokens.dropFirst())))
            }
        }
        if !until.isEmpty { throw ChatTemplateError("the template ends before {% \(until.sorted().last!) %}") }
        return (nodes, nil)
    }

    private mutating func statement(_ keyword: String, _ rest: [JinjaToken]) throws -> JinjaNode {
        switch keyword {
        case "for":
            guard rest.count >= 3, case .name(let variable) = rest[0], rest[1] == .name("in") else {
                throw ChatTemplateError("the template's {% for %} is not `for NAME in ...`")
            }
            let iterable = try JinjaExpressionParser.parseAll(Array(rest[2...]))
            let (body, end) = try block(until: ["endfor", "else"])
            guard end == "endfor" else { throw ChatTemplateError("the template uses {% for %} ... {% else %}, which pdscope does not render") }
            at += 1
            return .forLoop(variable: variable, iterable: iterable, body: body)
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var condition = try JinjaExpressionParser.parseAll(rest)
            while true {
                let (body, end) = try block(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                guard case .statement(let tokens) = parts[at] else { preconditionFailure("block stops at statements") }
                at += 1
                switch end {
                case "elif": condition = try JinjaExpressionParser.parseAll(Array(tokens.dropFirst()))
                case "else":
                    let (otherwise, close) = try block(until: ["endif", "elif", "else"])
                    guard close == "endif" else { throw ChatTemplateError("the template has {% \(close!) %} after {% else %}") }
                    at += 1
                    return .ifChain(branches, otherwise: otherwise)
                default: return .ifChain(branches, otherwise: [])
                }
            }
        case "set":
            guard rest.count >= 3, case .name(let name) = rest[0], rest[1] == .symbol("=") else {
                throw ChatTemplateError("the template's {% set %} is not `set NAME = ...`, the only form pdscope renders")
            }
            return .set(name, try JinjaExpressionParser.parseAll(Array(rest[2...])))
        default:
            throw ChatTemplateError("the template uses {% \(keyword) %}, which pdscope's template renderer does not support")
        }
    }
}

/// Expressions, with Jinja's precedence: `x if c else y` < or < and < not < comparisons, in, is
/// < + - < ~ < * / % < unary minus < filters, attributes, indexing and calls.
struct JinjaExpressionParser {
    private let tokens: [JinjaToken]
    private var at = 0

    static func parseAll(_ tokens: [JinjaToken]) throws -> JinjaExpr {
        var p = JinjaExpressionParser(tokens: tokens)
        let e = try p.conditional()
        guard p.at == tokens.count else { throw ChatTemplateError("the template has an expression pdscope cannot read near \(p.describe(tokens[p.at]))") }
        return e
    }

    private func describe(_ t: JinjaToken) -> String {
        switch t {
        case .name(let n): return "'\(n)'"
        case .string(let s): return "'\(s.prefix(20))'"
        case .integer(let i): return "\(i)"
        case .symbol(let s): return "'\(s)'"
        }
    }

    private var peek: JinjaToken? { at < tokens.count ? tokens[at] : nil }
    private mutating func take(_ t: JinjaToken) -> Bool {
        if peek == t { at += 1; return true }
        return false
    }
    private mutating func expect(_ t: JinjaToken) throws {
        guard take(t) else { throw ChatTemplateError("the template misses \(describe(t)) in an expression") }
    }

    private mutating func conditional() throws -> JinjaExpr {
        let value = try or()
        guard take(.name("if")) else { return value }
        let condition = try or()
        let otherwise = take(.name("else")) ? try conditional() : nil
        return .conditional(then: value, condition: condition, otherwise: otherwise)
    }

    private mutating func or() throws -> JinjaExpr {
        var e = try and()
        while take(.name("or")) { e = .binary("or", e, try and()) }
        return e
    }

    private mutating func and() throws -> JinjaExpr {
        var e = try not()
        while take(.name("and")) { e = .binary("and", e, try not()) }
        return e
    }

    private mutating func not() throws -> JinjaExpr {
        take(.name("not")) ? .not(try not()) : try compare()
    }

    private mutating func compare() throws -> JinjaExpr {
        var e = try add()
        while true {
            if case .symbol(let op)? = peek, ["==", "!=", "<", ">", "<=", ">="].contains(op) {
                at += 1; e = .binary(op, e, try add())
            } else if take(.name("in")) {
                e = .binary("in", e, try add())
            } else if peek == .name("not"), at + 1 < tokens.count, tokens[at + 1] == .name("in") {
                at += 2; e = .not(.binary("in", e, try add()))
            } else {
                return e
            }
        }
    }

    private mutating func add() throws -> JinjaExpr {
        var e = try concat()
        while case .symbol(let op)? = peek, op == "+" || op == "-" { at += 1; e = .binary(op, e, try concat()) }
        return e
    }

    private mutating func concat() throws -> JinjaExpr {
        var e = try multiply()
        while take(.symbol("~")) { e = .binary("~", e, try multiply()) }
        return e
    }

    private mutating func multiply() throws -> JinjaExpr {
        var e = try unary()
        while case .symbol(let op)? = peek, op == "*" || op == "/" || op == "%" { at += 1; e = .binary(op, e, try unary()) }
        return e
    }

    private mutating func unary() throws -> JinjaExpr {
        take(.symbol("-")) ? .negate(try unary()) : try postfix(try primary())
    }

    private mutating func primary() throws -> JinjaExpr {
        guard let t = peek else { throw ChatTemplateError("the template has an expression that ends too early") }
        at += 1
        switch t {
        case .string(var s):
            while case .string(let more)? = peek { s += more; at += 1 }  // adjacent literals join
            return .literal(.string(s))
        case .integer(let i): return .literal(.integer(i))
        case .name("true"), .name("True"): return .literal(.bool(true))
        case .name("false"), .name("False"): return .literal(.bool(false))
        case .name("none"), .name("None"): return .literal(.none)
        case .name(let n): return .variable(n)
        case .symbol("("):
            let e = try conditional()
            try expect(.symbol(")"))
            return e
        case .symbol("["):
            var items: [JinjaExpr] = []
            while !take(.symbol("]")) {
                items.append(try conditional())
                if !take(.symbol(",")) { try expect(.symbol("]")); break }
            }
            return .list(items)
        default: throw ChatTemplateError("the template has an expression pdscope cannot read near \(describe(t))")
        }
    }

    private mutating func postfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            if take(.symbol(".")) {
                guard case .name(let n)? = peek else { throw ChatTemplateError("the template has '.' without a name after it") }
                at += 1; e = .attribute(e, n)
            } else if take(.symbol("[")) {
                let start = peek == .symbol(":") ? nil : try conditional()
                if take(.symbol(":")) {
                    let end = peek == .symbol("]") ? nil : try conditional()
                    e = .slice(e, start, end)
                } else {
                    e = .index(e, start!)
                }
                try expect(.symbol("]"))
            } else if take(.symbol("(")) {
                e = .call(e, try arguments())
            } else if take(.symbol("|")) {
                guard case .name(let n)? = peek else { throw ChatTemplateError("the template has '|' without a filter name") }
                at += 1
                e = .filter(e, n, take(.symbol("(")) ? try arguments() : [])
            } else if take(.name("is")) {
                let negated = take(.name("not"))
                guard case .name(let n)? = peek else { throw ChatTemplateError("the template has 'is' without a test name") }
                at += 1; e = .test(e, n, negated: negated)
            } else {
                return e
            }
        }
    }

    private mutating func arguments() throws -> [JinjaExpr] {
        var args: [JinjaExpr] = []
        while !take(.symbol(")")) {
            args.append(try conditional())
            if !take(.symbol(",")) { try expect(.symbol(")")); break }
        }
        return args
    }
}
