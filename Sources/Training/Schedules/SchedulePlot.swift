import Foundation

/// Text renderings of a run's learning-rate schedule, for `scalelab schedule print|plot`.
public enum SchedulePlot {
    /// `step,tokens,lr` for every `every`-th step and the last one. Steps are 0-based schedule
    /// positions: the trainer's optimizer step k (1-based, as in metrics.csv) uses lr(k − 1), and
    /// `tokens` is the count seen before that step.
    public static func table(_ config: RunConfig, every: Int = 1) -> String {
        let schedule = config.makeSchedule(), steps = config.training.steps, tps = config.tokensPerStep
        var lines = ["step,tokens,lr"]
        for s in 0..<steps where s % every == 0 || s == steps - 1 {
            lines.append("\(s),\(s * tps),\(String(format: "%.6e", schedule.learningRate(step: s)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An ASCII plot, `width` columns by `height` rows, of lr against step (linear axes, 0 at the bottom).
    public static func ascii(_ config: RunConfig, width: Int = 72, height: Int = 16) -> String {
        let schedule = config.makeSchedule(), steps = config.training.steps
        let lrs = (0..<steps).map { schedule.learningRate(step: $0) }
        let top = max(lrs.max() ?? 0, 1e-300)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        for col in 0..<width {
            // Each column shows the mean of the steps it covers.
            let lo = col * steps / width, hi = max(lo + 1, (col + 1) * steps / width)
            let mean = lrs[lo..<min(hi, steps)].reduce(0, +) / Double(min(hi, steps) - lo)
            let row = min(height - 1, Int((mean / top * Double(height - 1)).rounded()))
            grid[height - 1 - row][col] = "•"
        }
        let label = { (x: Double) in String(format: "%9.2e", x) }
        var out: [String] = []
        for (i, row) in grid.enumerated() {
            let axis = i == 0 ? label(top) : i == height - 1 ? label(0) : String(repeating: " ", count: 9)
            out.append(axis + " ┤" + String(row))
        }
        out.append(String(repeating: " ", count: 10) + "└" + String(repeating: "─", count: width))
        let last = "step \(steps - 1)"
        out.append(String(repeating: " ", count: 11) + "step 0" + String(repeating: " ", count: max(1, width - 6 - last.count)) + last)
        out.append(String(repeating: " ", count: 11) + "\(config.training.schedule.kind.rawValue), peak \(config.training.lr), \(steps) steps, \(config.tokensPerStep) tokens/step")
        return out.joined(separator: "\n") + "\n"
    }

    /// A small standalone SVG line chart of lr against step.
    public static func svg(_ config: RunConfig, width: Double = 640, height: Double = 320) -> String {
        let schedule = config.makeSchedule(), steps = config.training.steps
        let lrs = (0..<steps).map { schedule.learningRate(step: $0) }
        let top = max(lrs.max() ?? 0, 1e-300), m = 40.0
        let points = lrs.enumerated().map { s, lr in
            String(format: "%.2f,%.2f", m + (width - 2 * m) * Double(s) / Double(max(steps - 1, 1)),
                   height - m - (height - 2 * m) * lr / top)
        }.joined(separator: " ")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <line x1="\(m)" y1="\(height - m)" x2="\(width - m)" y2="\(height - m)" stroke="black"/>
            <line x1="\(m)" y1="\(m)" x2="\(m)" y2="\(height - m)" stroke="black"/>
            <text x="\(m)" y="\(height - m + 15)">0</text><text x="\(width - m)" y="\(height - m + 15)" text-anchor="end">step \(steps - 1)</text>
            <text x="\(m - 4)" y="\(m)" text-anchor="end">\(String(format: "%.2e", top))</text>
            <text x="\(width / 2)" y="\(m / 2)" text-anchor="middle">\(config.training.schedule.kind.rawValue) learning rate, \(config.name)</text>
            <polyline fill="none" stroke="steelblue" stroke-width="1.5" points="\(points)"/>
            </svg>

            """
    }
}
