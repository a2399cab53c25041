import FoundationEssentials
import Glibc
import PacetopCore
import PacetopUI

/// `--once` output: the dashboard's content as plain text, like `top -b`.
public enum OnceReport {
    /// The header, nodes, resources and problems as text `width` columns wide (nil: whole
    /// lines, however long, for a pipe or a file), with trailing blank lines dropped.
    public static func text(_ state: AppState, width: Int? = 100, glyphs: GlyphSet = .unicode) -> String {
        let env = ViewEnv(theme: Theme(name: "plain", styles: [:]), glyphs: glyphs)
        var sections: [(title: String, columns: [TableColumn], rows: [TableRow])] = []
        if state.status != nil {
            sections.append(("Nodes", View.nodeColumns, Rows.nodes(state).map { TableRow(View.nodeCells($0, state, env)) }))
            sections.append(("Resources", View.resourceColumns,
                             Rows.resources(state).map { TableRow(View.resourceCells($0, env)) }))
            let problems = Rows.problems(state)
            sections.append(("Problems", [TableColumn("", width: .fill(1))],
                             problems.isEmpty ? [TableRow(["none"])]
                                : problems.map { TableRow([View.problemLine($0, state, env)]) }))
        }
        let width = width ?? wholeLines(state, env, sections.map { ($0.columns, $0.rows) })
        var head = Buffer(width: width, height: 2)
        View.header(state, env, &head, head.area, oneShot: true)
        var lines = head.lines()
        for (title, columns, rows) in sections {
            var titleLine = Buffer(width: width, height: 1)
            titleLine.write(title, x: 0, y: 0)
            lines += [""] + titleLine.lines()
            // The same columns and widths as the screen's panes, so both shorten names alike.
            let (columns, rows) = title == "Resources" ? View.fitted(columns, rows, width: width - 2) : (columns, rows)
            let table = Table(columns: View.namesFirst(columns, rows, width: width - 2), rows: rows,
                              showHeader: columns.count > 1, ellipsis: glyphs.ellipsis)
            lines += table.plainLines(width: width, indent: 2)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        let text = lines.joined(separator: "\n") + "\n"
        return glyphs.isUnicode ? text : asciiOnly(text)
    }

    /// The width at which no line of the report is cut.
    static func wholeLines(_ state: AppState, _ env: ViewEnv, _ tables: [([TableColumn], [TableRow])]) -> Int {
        var header = Buffer(width: 1000, height: 2)
        View.header(state, env, &header, header.area, oneShot: true)
        var widest = header.lines().map { DisplayWidth.of($0) }.max() ?? 0
        for (columns, rows) in tables {
            // The indent, then the table as the screen lays it out.
            widest = max(widest, 2 + View.naturalWidth(columns, rows))
        }
        return max(20, widest)
    }

    /// Text the cluster or pacetop's own words put outside ASCII, for a non-UTF-8 locale or
    /// `--ascii` (the glyphs are already ASCII then).
    static func asciiOnly(_ text: String) -> String {
        var out = ""
        for ch in text {
            if ch.isASCII { out.append(ch); continue }
            switch ch {
            case "—", "–": out += "-"
            case "→": out += "->"
            case "←": out += "<-"
            case "…": out += "~"
            case "·": out += "-"
            case "‘", "’": out += "'"
            case "“", "”": out += "\""
            default: out += "?"
            }
        }
        return out
    }
}
