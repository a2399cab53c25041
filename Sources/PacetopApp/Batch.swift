import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

/// `--once` output: the dashboard's content as plain text, like `top -b`.
public enum Batch {
    /// The header, nodes, resources and problems as text `width` columns wide, with trailing blank lines dropped.
    public static func text(_ state: AppState, width: Int = 100, glyphs: GlyphSet = .unicode) -> String {
        let env = ViewEnv(theme: Theme(name: "plain", styles: [:]), glyphs: glyphs)
        var sections: [(String, [TableColumn], [TableRow])] = []
        if state.status != nil {
            sections.append(("Nodes", View.nodeColumns, Rows.nodes(state).map { TableRow(View.nodeCells($0, state, env)) }))
            sections.append(("Resources", View.resourceColumns,
                             Rows.resources(state).map { TableRow(View.resourceCells($0, env)) }))
            let problems = Rows.problems(state)
            sections.append(("Problems", [TableColumn("", width: .fill(1))],
                             problems.isEmpty ? [TableRow(["none"])]
                                : problems.map { TableRow([View.problemLine($0, state, env)]) }))
        }
        let height = 2 + sections.reduce(0) { $0 + 3 + $1.2.count }
        var buf = Buffer(width: width, height: height)
        View.header(state, env, &buf, Rect(x: 0, y: 0, width: width, height: 2))
        var y = 2
        for (title, columns, rows) in sections {
            y += 1
            buf.write(title, x: 0, y: y)
            y += 1
            var ts = TableState()
            Table(columns: columns, rows: rows, showHeader: columns.count > 1, ellipsis: glyphs.ellipsis)
                .render(into: &buf, area: Rect(x: 2, y: y, width: width - 2, height: rows.count + 1), state: &ts)
            y += rows.count + (columns.count > 1 ? 1 : 0)
        }
        var lines = buf.lines()
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
