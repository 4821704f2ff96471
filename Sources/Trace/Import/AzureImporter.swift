/// Imports the Azure LLM inference traces (Azure/AzurePublicDataset, the Splitwise paper's
/// data): CSV with header `TIMESTAMP,ContextTokens,GeneratedTokens` and wall-clock timestamps
/// like `2023-11-16 18:17:03.9799600`. Arrivals become offsets from the first row. The traces
/// carry no text and no prefix information, so prompts are synthetic and unshared.
public enum AzureImporter {
    public static let formatName = "azure"

    public static func importFile(path: String, options: ImportOptions) throws -> ImportResult {
        try importBytes(JSONLines.readBytes(path: path), path: path, options: options)
    }

    public static func importText(_ text: String, path: String = "<azure>", options: ImportOptions) throws -> ImportResult {
        try importBytes(Array(text.utf8), path: path, options: options)
    }

    public static func importBytes(_ bytes: [UInt8], path: String, options: ImportOptions) throws -> ImportResult {
        if let problem = options.problem { throw FileFormatError(path: path, line: nil, message: problem) }
        let lines = JSONLines.split(bytes).filter { !$0.isBlank }
        guard let headerLine = lines.first else {
            throw FileFormatError(path: path, line: nil, message: "the file is empty; expected the CSV header TIMESTAMP,ContextTokens,GeneratedTokens")
        }
        let columns = headerLine.text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces.lowercased() }
        guard let timeColumn = columns.firstIndex(of: "timestamp"),
              let inputColumn = columns.firstIndex(of: "contexttokens"),
              let outputColumn = columns.firstIndex(of: "generatedtokens") else {
            throw FileFormatError(path: path, line: headerLine.number,
                                  message: "expected the CSV header TIMESTAMP,ContextTokens,GeneratedTokens, got \"\(headerLine.text.prefix(60))\"")
        }
        var shaper = ImportShaper(format: formatName, path: path, options: options)
        for line in lines.dropFirst() {
            if shaper.isFull { break }
            let cells = line.text.split(separator: ",", omittingEmptySubsequences: false).map(\.trimmingSpaces)
            func fail(_ message: String) -> FileFormatError { FileFormatError(path: path, line: line.number, message: message) }
            guard cells.count == columns.count else {
                throw fail("expected \(columns.count) comma-separated values, got \(cells.count)")
            }
            guard let time = parseTimestamp(cells[timeColumn]) else {
                throw fail("TIMESTAMP must look like 2023-11-16 18:17:03.9799600, got \"\(cells[timeColumn].prefix(40))\"")
            }
            guard let input = Int(cells[inputColumn]), (0...100_000_000).contains(input) else {
                throw fail("ContextTokens must be a non-negative integer, got \"\(cells[inputColumn].prefix(40))\"")
            }
            guard let output = Int(cells[outputColumn]), (0...100_000_000).contains(output) else {
                throw fail("GeneratedTokens must be a non-negative integer, got \"\(cells[outputColumn].prefix(40))\"")
            }
            shaper.add(time: time, input: input, output: output)
        }
        return try shaper.finish(generatorSettings: [:])
    }

    /// Seconds since 1970 for `YYYY-MM-DD HH:MM:SS[.fraction]` (a 'T' separator and a trailing
    /// 'Z' are also accepted), read as UTC. Parsed by hand: DateFormatter handles at most
    /// millisecond fractions and is slow; the Azure traces have seven fractional digits.
    public static func parseTimestamp(_ text: String) -> Double? {
        var s = Substring(text)
        if s.hasSuffix("Z") { s = s.dropLast() }
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard date.count == 3, clock.count == 3,
              let year = Int(date[0]), let month = Int(date[1]), let day = Int(date[2]),
              let hour = Int(clock[0]), let minute = Int(clock[1]),
              (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        let secondText = clock[2]
        guard !secondText.isEmpty, secondText.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let second = Double(secondText), second >= 0, second < 61 else { return nil }
        return Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Double(hour * 3600 + minute * 60) + second
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
