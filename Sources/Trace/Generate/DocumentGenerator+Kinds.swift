import Foundation

/// A Python module of small functions over records; some of them write files.
struct CodeListingBuilder: DocumentBuilder {
    static let nouns = ["orders", "customers", "invoices", "shipments", "products", "refunds", "suppliers", "tickets"]
    static let fields = ["total", "quantity", "weight", "price", "discount", "balance"]
    var used: Set<String> = []
    var writers: [String] = []
    var preamble: String { "\"\"\"Helpers for the warehouse back office: loading, checking and saving records.\"\"\"\n\nimport json\nimport csv\n" }

    mutating func nextEntry(_ r: inout SeededRandom) -> String {
        let noun = DocumentGenerator.pick(Self.nouns, &r)
        let field = DocumentGenerator.pick(Self.fields, &r)
        let limit = 10 * (1 + r.index(50))
        switch r.index(5) {
        case 0:
            let name = unique("load_\(noun)")
            return """

            def \(name)(path):
                \"\"\"Reads \(noun) from a JSON file and returns them as a list of dicts.\"\"\"
                with open(path) as f:
                    return json.load(f)
            """
        case 1:
            let name = unique("save_\(noun)")
            writers.append(name)
            return """

            def \(name)(\(noun), path):
                \"\"\"Writes \(noun) to a CSV file, one row per record.\"\"\"
                with open(path, "w", newline="") as f:
                    writer = csv.DictWriter(f, fieldnames=sorted(\(noun)[0]))
                    writer.writeheader()
                    writer.writerows(\(noun))
            """
        case 2:
            let name = unique("large_\(noun)")
            return """

            def \(name)(\(noun), minimum=\(limit)):
                \"\"\"Returns the \(noun) whose \(field) is at least `minimum`.\"\"\"
                return [item for item in \(noun) if item["\(field)"] >= minimum]
            """
        case 3:
            let name = unique("total_\(field)_of_\(noun)")
            return """

            def \(name)(\(noun)):
                \"\"\"Adds up the \(field) of all \(noun).\"\"\"
                total = 0
                for item in \(noun):
                    total += item.get("\(field)", 0)
                return total
            """
        default:
            let name = unique("export_\(noun)_report")
            writers.append(name)
            return """

            def \(name)(\(noun), path, title="\(noun.capitalized) report"):
                \"\"\"Writes a plain-text report with one line per record and a total.\"\"\"
                lines = [title, "=" * len(title)]
                for item in \(noun):
                    lines.append(f"{item['id']}: {item.get('\(field)', 0)}")
                lines.append(f"total \(field): {sum(i.get('\(field)', 0) for i in \(noun))}")
                with open(path, "w") as f:
                    f.write("\\n".join(lines) + "\\n")
            """
        }
    }

    /// Repeated names get a numeric suffix, as a real module could not define one twice.
    private mutating func unique(_ base: String) -> String {
        var name = base, n = 2
        while used.contains(name) { name = "\(base)_\(n)"; n += 1 }
        used.insert(name)
        return name
    }

    func questionAndAnswer() -> (String, String) {
        ("Which functions in this module write to a file? Name each one.",
         writers.isEmpty ? "none" : writers.joined(separator: ", "))
    }
}

/// Notes of weekly team meetings, four agenda items each, with discussion, decisions and action items.
struct MeetingNotesBuilder: DocumentBuilder {
    static let people = ["Priya", "Tomasz", "Amara", "Kenji", "Lucia", "Omar", "Greta", "Sipho"]
    static let topics = ["the release date of version 2.4", "flaky tests in the build pipeline", "the new onboarding guide",
                         "customer complaints about slow search", "the budget for the team offsite", "moving logs to a new server",
                         "the hiring plan for next quarter", "accessibility fixes in the settings page", "the on-call rotation"]
    static let actions = ["write a one-page proposal", "collect numbers from the last three months", "draft an email to the customers",
                          "set up a follow-up meeting", "fix the two worst cases", "update the wiki page", "ask finance for approval",
                          "review the open pull requests"]
    static let opinions = ["thinks we should wait one more week", "prefers to ship now and patch later",
                           "asked for more data before deciding", "pointed out that the old plan still works",
                           "worried about the extra load on support", "suggested splitting the work in two"]
    let team: [String]
    var item = 0
    var assigned: [String: [String]] = [:]
    var preamble: String { "Notes of the platform team's weekly syncs.\nTeam: \(team.joined(separator: ", "))" }
    static let itemsPerMeeting = 4

    init(random: inout SeededRandom) {
        var pool = Self.people
        var chosen: [String] = []
        for _ in 0..<5 { chosen.append(pool.remove(at: random.index(pool.count))) }
        team = chosen
    }

    mutating func nextEntry(_ r: inout SeededRandom) -> String {
        let meeting = item / Self.itemsPerMeeting
        let day = 7 * meeting   // days after Monday 2 March 2026
        var heading = ""
        if item % Self.itemsPerMeeting == 0 {
            let absent = DocumentGenerator.pick(team, &r)
            heading = "\n# Weekly sync, \(Self.date(day))\nPresent: \(team.filter { $0 != absent }.joined(separator: ", ")) (\(absent) away)\n"
        }
        item += 1
        let topic = Self.topics[(meeting * 2 + item) % Self.topics.count]
        let a = DocumentGenerator.pick(team, &r), b = DocumentGenerator.pick(team, &r)
        let owner = DocumentGenerator.pick(team, &r)
        let action = DocumentGenerator.pick(Self.actions, &r)
        let due = Self.date(day + 3 + r.index(12))
        assigned[owner, default: []].append("\(action) (due \(due))")
        return heading + """

        ## \(item - meeting * Self.itemsPerMeeting). \(topic.prefix(1).uppercased() + topic.dropFirst())
        - \(a) \(DocumentGenerator.pick(Self.opinions, &r)).
        - \(b) \(DocumentGenerator.pick(Self.opinions, &r)).
        - Decision: \(r.unit() < 0.5 ? "go ahead with the current plan" : "revisit next week with more information").
        - Action: \(owner) to \(action) by \(due).
        """
    }

    /// "2 March 2026" plus `days` (March to December are enough for any document).
    static func date(_ days: Int) -> String {
        let months = [("March", 31), ("April", 30), ("May", 31), ("June", 30), ("July", 31), ("August", 31),
                      ("September", 30), ("October", 31), ("November", 30), ("December", 31)]
        var d = 2 + days
        for (name, length) in months {
            if d <= length { return "\(d) \(name) 2026" }
            d -= length
        }
        return "31 December 2026"
    }

    func questionAndAnswer() -> (String, String) {
        let busiest = assigned.max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }!
        return ("What action items were assigned to \(busiest.key), and when is each one due?",
                busiest.value.joined(separator: "; "))
    }
}
