/// A map of a KV pool: one cell per block, coloured by the request that owns it, free blocks dim.
/// When the pool has more blocks than the rectangle has cells, each cell stands for several
/// consecutive blocks and shows the first owner among them.
public struct BlockMap: Widget {
    /// Owner of each block (nil = free), indexed by block number.
    public var owners: [Int?]
    /// Draw each owner's last base-36 digit instead of a solid block: tells owners apart when
    /// colours are off (NO_COLOR).
    public var isLabelled: Bool

    public init(owners: [Int?], isLabelled: Bool = false) { self.owners = owners; self.isLabelled = isLabelled }

    public var usedCount: Int { owners.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Percentage of blocks in use, 0–100.
    public var usagePercent: Int { owners.isEmpty ? 0 : Int((Double(usedCount) * 100 / Double(owners.count)).rounded()) }

    /// Blocks per cell needed to fit the pool into `cells` cells.
    public static func blocksPerCell(blockCount: Int, cells: Int) -> Int {
        cells <= 0 ? 0 : max(1, (blockCount + cells - 1) / cells)
    }

    /// Fills `rect` row by row; cells past the end of the pool stay empty.
    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty, !owners.isEmpty else { return }
        let perCell = Self.blocksPerCell(blockCount: owners.count, cells: rect.width * rect.height)
        let freeStyle = Style.dim
        var cell = 0
        var start = 0
        while start < owners.count {
            let end = min(owners.count, start + perCell)
            let owner = owners[start..<end].lazy.compactMap { $0 }.first
            let x = rect.x + cell % rect.width, y = rect.y + cell / rect.width
            if let owner {
                let glyph = isLabelled ? Self.label(owner) : String(buffer.glyphs.usedBlock)
                buffer.put(glyph, x: x, y: y, style: Style(foreground: Palette.owner(owner)), maxWidth: 1)
            } else {
                buffer.put(String(buffer.glyphs.freeBlock), x: x, y: y, style: freeStyle, maxWidth: 1)
            }
            cell += 1; start = end
        }
    }

    static func label(_ owner: Int) -> String {
        String(String(((owner % 36) + 36) % 36, radix: 36).last!)
    }
}
