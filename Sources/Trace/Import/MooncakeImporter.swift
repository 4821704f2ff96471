/// Imports Mooncake traces (kvcache-ai/Mooncake, FAST'25): JSON Lines of
/// `{"timestamp": ms since start, "input_length": n, "output_length": n, "hash_ids": [...]}`.
///
/// Each hash id names one 512-token prompt block; equal ids mean a shareable prefix. Requests
/// become synthetic prompts whose `prefixKeys` are the hash ids and whose segment size is the
/// block size scaled by `lengthScale`, so requests that shared prefix blocks in the original
/// still share identical leading tokens after scaling.
public enum MooncakeImporter {
    public static let formatName = "mooncake"
    /// Tokens per hash id in the original traces.
    public static let blockTokens = 512

    public static func importFile(path: String, options: ImportOptions) throws -> ImportResult {
        try importBytes(JSONLines.readBytes(path: path), path: path, options: options)
    }

    public static func importText(_ text: String, path: String = "<mooncake>", options: ImportOptions) throws -> ImportResult {
        try importBytes(Array(text.utf8), path: path, options: options)
    }

    public static func importBytes(_ bytes: [UInt8], path: String, options: ImportOptions) throws -> ImportResult {
        if let problem = options.problem { throw FileFormatError(path: path, line: nil, message: problem) }
        let segment = max(1, Int((Double(blockTokens) * options.lengthScale).rounded()))
        var shaper = ImportShaper(format: formatName, path: path, options: options, segmentTokens: segment)
        for line in JSONLines.split(bytes) where !line.isBlank {
            if shaper.isFull { break }
            do {
                var f = try JSONLines.parseObject(line)
                let ms = try f.requiredDouble("timestamp", in: 0...1e15)
                let input = try f.requiredInt("input_length", in: 0...100_000_000)
                let output = try f.requiredInt("output_length", in: 0...100_000_000)
                let hashIDs = try f.intArray("hash_ids", in: 0...Int.max) ?? []
                shaper.add(time: ms / 1000, input: input, output: output, hashIDs: hashIDs)
            } catch let problem as LineProblem {
                throw FileFormatError(path: path, line: line.number, message: problem.message)
            }
        }
        return try shaper.finish(generatorSettings: [:])
    }
}
