/// A value while rendering a template.
enum JinjaValue: Equatable, Sendable {
    case undefined
    case none
    case bool(Bool)
    case integer(Int)
    case string(String)
    case list([JinjaValue])
    case dict([String: JinjaValue])

    var isTrue: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .integer(let i): return i != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .dict(let d): return !d.isEmpty
        }
    }

    /// What `{{ value }}` prints (undefined and none print nothing, as Hugging Face's renderer).
    var printed: String {
        switch self {
        case .undefined, .none: return ""
        case .bool(let b): return b ? "True" : "False"
        case .integer(let i): return String(i)
        case .string(let s): return s
        case .list(let l): return "[" + l.map(\.printed).joined(separator: ", ") + "]"
        case .dict: return "{...}"
        }
    }
}

/// Renders parsed template nodes against variables.
struct JinjaRenderer {
    var scopes: [[String: JinjaValue]]
    var out = ""

    mutating func render(_ nodes: [JinjaNode]) throws {
        for node in nodes {
            switch node {
            case .text(let t): out += t
            case .output(let e): out += try eval(e).printed
            case .set(let name, let e): scopes[scopes.count - 1][name] = try eval(e)
            case .ifChain(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try eval(condition).isTrue {
                    try render(body); taken = true; break
                }
                if !taken { try render(otherwise) }
            case .forLoop(let variable, let iterable, let body):
                let items: [JinjaValue]
                switch try eval(iterable) {
                case .list(let l): items = l
                case .undefined, .none: items = []
                case .dict(let d): items = d.keys.sorted().map { .string($0) }
                case .string(let s): items = s.map { .string(String($0)) }
                default: throw ChatTemplateError("the template loops over something that is not a list")
                }
                for (i, item) in items.enumerated() {
                    scopes.append([variable: item, "loop": .dict([
                        "index0": .integer(i), "index": .integer(i + 1), "first": .bool(i == 0),
                        "last": .bool(i == items.count - 1), "length": .integer(items.count),
                        "revindex0": .integer(items.count - 1 - i), "revindex": .integer(items.count - i),
                    ])])
                    defer { scopes.removeLast() }
                    try render(body)
                }
            }
        }
    }

    func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return .undefined
    }

    func eval(_ e: JinjaExpr) throws -> JinjaValue {
        switch e {
        case .literal(let v): return v
        case .variable(let n): return lookup(n)
        case .list(let items): return .list(try items.map(eval))
        case .attribute(let base, let name):
            if case .dict(let d) = try eval(base) { return d[name] ?? .undefined }
            return .undefined
        case .index(let base, let key):
            switch (try eval(base), try eval(key)) {
            case (.dict(let d), .string(let k)): return d[k] ?? .undefined
            case (.list(let l), .integer(let i)):
                let j = i < 0 ? l.count + i : i
                return l.indices.contains(j) ? l[j] : .undefined
            default: return .undefined
            }
        case .slice(let base, let from, let to):
            guard case .list(let l) = try eval(base) else { throw ChatTemplateError("the template slices something that is not a list") }
            func bound(_ e: JinjaExpr?, _ fallback: Int) throws -> Int {
                guard let e else { return fallback }
                guard case .integer(let i) = try eval(e) else { throw ChatTemplateError("the template slices with a non-integer") }
                return min(max(i < 0 ? l.count + i : i, 0), l.count)
            }
            let a = try bound(from, 0), b = try bound(to, l.count)
            return .list(a < b ? Array(l[a..<b]) : [])
        case .not(let x): return .bool(!(try eval(x).isTrue))
        case .negate(let x):
            guard case .integer(let i) = try eval(x) else { throw ChatTemplateError("the template negates a non-integer") }
            return .integer(0 &- i)
        case .conditional(let then, let condition, let otherwise):
            return try eval(condition).isTrue ? try eval(then) : try otherwise.map(eval) ?? .undefined
        case .binary(let op, let l, let r): return try binary(op, l, r)
        case .test(let x, let name, let negated):
            let v = try eval(x)
            let result: Bool
            switch name {
            case "defined": result = v != .undefined
            case "undefined": result = v == .undefined
            case "none": result = v == .none
            case "string": if case .string = v { result = true } else { result = false }
            default: throw ChatTemplateError("the template uses the test 'is \(name)', which pdscope does not support")
            }
            return .bool(result != negated)
        case .filter(let x, let name, let args): return try JinjaBuiltins.filter(name, try eval(x), try args.map(eval))
        case .call(let callee, let args): return try call(callee, try args.map(eval))
        }
    }

    private func binary(_ op: String, _ le: JinjaExpr, _ re: JinjaExpr) throws -> JinjaValue {
        if op == "and" { let l = try eval(le); return l.isTrue ? try eval(re) : l }
        if op == "or" { let l = try eval(le); return l.isTrue ? l : try eval(re) }
        let l = try eval(le), r = try eval(re)
        switch (op, l, r) {
        case ("==", _, _): return .bool(l == r)
        case ("!=", _, _): return .bool(l != r)
        case ("~", _, _): return .string(l.printed + r.printed)
        case ("+", .string(let a), .string(let b)): return .string(a + b)
        case ("+", .list(let a), .list(let b)): return .list(a + b)
        case ("+", .integer(let a), .integer(let b)): return .integer(a &+ b)
        case ("-", .integer(let a), .integer(let b)): return .integer(a &- b)
        case ("*", .integer(let a), .integer(let b)): return .integer(a &* b)
        case ("%", .integer(let a), .integer(let b)) where b != 0: return .integer(a.remainderReportingOverflow(dividingBy: b).partialValue)
        case ("<", .integer(let a), .integer(let b)): return .bool(a < b)
        case (">", .integer(let a), .integer(let b)): return .bool(a > b)
        case ("<=", .integer(let a), .integer(let b)): return .bool(a <= b)
        case (">=", .integer(let a), .integer(let b)): return .bool(a >= b)
        case ("in", .string(let a), .string(let b)): return .bool(b.contains(a))
        case ("in", _, .list(let items)): return .bool(items.contains(l))
        case ("in", .string(let k), .dict(let d)): return .bool(d[k] != nil)
        case ("in", _, .undefined): return .bool(false)
        default: throw ChatTemplateError("the template applies '\(op)' to values it does not fit")
        }
    }

    private func call(_ callee: JinjaExpr, _ args: [JinjaValue]) throws -> JinjaValue {
        switch callee {
        case .variable("raise_exception"):
            throw ChatTemplateError("the template refused the conversation: \(args.first?.printed ?? "")")
        case .attribute(let base, let method):
            return try JinjaBuiltins.method(method, on: try eval(base), args)
        default:
            throw ChatTemplateError("the template calls a function pdscope's template renderer does not have")
        }
    }
}

/// The few filters and methods chat templates use.
enum JinjaBuiltins {
    static func filter(_ name: String, _ v: JinjaValue, _ args: [JinjaValue]) throws -> JinjaValue {
        switch (name, v) {
        case ("trim", .string(let s)): return .string(s.trimmingWhitespace())
        case ("length", .string(let s)), ("count", .string(let s)): return .integer(s.count)
        case ("length", .list(let l)), ("count", .list(let l)): return .integer(l.count)
        case ("string", _): return .string(v.printed)
        case ("lower", .string(let s)): return .string(s.lowercased())
        case ("upper", .string(let s)): return .string(s.uppercased())
        case ("first", .list(let l)): return l.first ?? .undefined
        case ("last", .list(let l)): return l.last ?? .undefined
        case ("default", .undefined), ("d", .undefined): return args.first ?? .string("")
        case ("default", _), ("d", _): return v
        default: throw ChatTemplateError("the template uses the filter '\(name)', which pdscope does not support here")
        }
    }

    static func method(_ name: String, on v: JinjaValue, _ args: [JinjaValue]) throws -> JinjaValue {
        switch (name, v, args.first) {
        case ("strip", .string(let s), nil): return .string(s.trimmingWhitespace())
        case ("lstrip", .string(let s), nil): return .string(String(s.drop(while: \.isWhitespace)))
        case ("rstrip", .string(let s), nil): return .string(String(s.reversed().drop(while: \.isWhitespace).reversed()))
        case ("startswith", .string(let s), .string(let p)?): return .bool(s.hasPrefix(p))
        case ("endswith", .string(let s), .string(let p)?): return .bool(s.hasSuffix(p))
        case ("lower", .string(let s), nil): return .string(s.lowercased())
        case ("upper", .string(let s), nil): return .string(s.uppercased())
        case ("get", .dict(let d), .string(let k)?): return d[k] ?? (args.count > 1 ? args[1] : .none)
        default: throw ChatTemplateError("the template calls .\(name)(), which pdscope's template renderer does not have")
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
