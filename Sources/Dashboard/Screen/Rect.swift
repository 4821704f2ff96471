/// A rectangle of cells: where a widget may draw. Splitting helpers keep layout code short.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }

    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// The rectangle shrunk by `margin` cells on every side.
    public func inset(by margin: Int) -> Rect {
        Rect(x: x + margin, y: y + margin, width: width - 2 * margin, height: height - 2 * margin)
    }

    /// The top `rows` rows, and the rest below them.
    public func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
        let r = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: r), Rect(x: x, y: y + r, width: width, height: height - r))
    }

    /// The bottom `rows` rows, and the rest above them.
    public func splitBottom(_ rows: Int) -> (rest: Rect, bottom: Rect) {
        let r = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: height - r), Rect(x: x, y: maxY - r, width: width, height: r))
    }

    /// The left `columns` columns, and the rest to their right.
    public func splitLeft(_ columns: Int) -> (left: Rect, rest: Rect) {
        let c = min(max(0, columns), width)
        return (Rect(x: x, y: y, width: c, height: height), Rect(x: x + c, y: y, width: width - c, height: height))
    }

    /// `count` side-by-side columns of (nearly) equal width that together fill this rectangle.
    public func columns(_ count: Int) -> [Rect] {
        guard count > 0 else { return [] }
        var result: [Rect] = [], left = x
        for i in 0..<count {
            let right = x + width * (i + 1) / count
            result.append(Rect(x: left, y: y, width: right - left, height: height))
            left = right
        }
        return result
    }

    /// The row `offset` rows down, one row high (empty when outside).
    public func row(_ offset: Int) -> Rect {
        offset >= 0 && offset < height ? Rect(x: x, y: y + offset, width: width, height: 1)
                                       : Rect(x: x, y: y, width: 0, height: 0)
    }
}
