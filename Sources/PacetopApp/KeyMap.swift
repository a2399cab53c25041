import PacetopCore
import PacetopUI

/// What a key does. The footer, the `?` help and read-only mode all come from one table.
public enum Command: String, Sendable, CaseIterable, Codable {
    case quit, help, refresh, nextPane, prevPane, up, down, pageUp, pageDown, top, bottom
    case details, filter, cycleTheme
    case restart, standby, unstandby, moveMaster, clear, cleanup

    /// Changes the cluster: goes through the confirmation pane, absent in read-only mode.
    public var isAction: Bool {
        switch self {
        case .restart, .standby, .unstandby, .moveMaster, .clear, .cleanup: true
        default: false
        }
    }

    /// What the command does, in the help overlay's words.
    public var help: String {
        switch self {
        case .quit: "quit"
        case .help: "help"
        case .refresh: "refresh now"
        case .nextPane: "next pane"
        case .prevPane: "previous pane"
        case .up: "move up"
        case .down: "move down"
        case .pageUp: "page up"
        case .pageDown: "page down"
        case .top: "first row"
        case .bottom: "last row"
        case .details: "details of the selection"
        case .filter: "filter by name"
        case .cycleTheme: "next theme"
        case .restart: "restart the selected resource"
        case .standby: "put the selected node in standby"
        case .unstandby: "bring the selected node out of standby"
        case .moveMaster: "move the master to another node"
        case .clear: "clear move/ban constraints of the selection"
        case .cleanup: "clean up failures of the selection"
        }
    }

    /// The word shown in the footer.
    public var short: String {
        switch self {
        case .quit: "quit"
        case .help: "help"
        case .refresh: "refresh"
        case .nextPane: "pane"
        case .details: "details"
        case .filter: "filter"
        case .cycleTheme: "theme"
        case .restart: "restart"
        case .standby: "standby"
        case .unstandby: "unstandby"
        case .moveMaster: "move"
        case .clear: "clear"
        case .cleanup: "cleanup"
        default: rawValue
        }
    }
}

/// One key bound to one command.
public struct KeyBinding: Sendable, Equatable {
    /// The key pressed.
    public var key: Key
    /// What it does.
    public var command: Command
    /// Shown in the footer (the rest only in the help overlay).
    public var inFooter: Bool
}

/// The key bindings in use: the built-in set with the config file's `[keys]` overrides applied.
public struct KeyMap: Sendable, Equatable {
    /// Bindings in help order; a command may have several keys, a key only one command.
    public var bindings: [KeyBinding]

    /// The built-in keys: vi-style movement beside the arrows, capitals for the disruptive restart and cleanup.
    public static let standard = KeyMap(bindings: [
        KeyBinding(key: .char("q"), command: .quit, inFooter: true),
        KeyBinding(key: .char("?"), command: .help, inFooter: true),
        KeyBinding(key: .char("r"), command: .refresh, inFooter: false),
        KeyBinding(key: .tab, command: .nextPane, inFooter: false),
        KeyBinding(key: .backTab, command: .prevPane, inFooter: false),
        KeyBinding(key: .up, command: .up, inFooter: false),
        KeyBinding(key: .char("k"), command: .up, inFooter: false),
        KeyBinding(key: .down, command: .down, inFooter: false),
        KeyBinding(key: .char("j"), command: .down, inFooter: false),
        KeyBinding(key: .pageUp, command: .pageUp, inFooter: false),
        KeyBinding(key: .pageDown, command: .pageDown, inFooter: false),
        KeyBinding(key: .home, command: .top, inFooter: false),
        KeyBinding(key: .char("g"), command: .top, inFooter: false),
        KeyBinding(key: .end, command: .bottom, inFooter: false),
        KeyBinding(key: .char("G"), command: .bottom, inFooter: false),
        KeyBinding(key: .enter, command: .details, inFooter: false),
        KeyBinding(key: .char("/"), command: .filter, inFooter: false),
        KeyBinding(key: .char("T"), command: .cycleTheme, inFooter: false),
        KeyBinding(key: .char("R"), command: .restart, inFooter: true),
        KeyBinding(key: .char("s"), command: .standby, inFooter: true),
        KeyBinding(key: .char("u"), command: .unstandby, inFooter: true),
        KeyBinding(key: .char("m"), command: .moveMaster, inFooter: true),
        KeyBinding(key: .char("c"), command: .clear, inFooter: true),
        KeyBinding(key: .char("C"), command: .cleanup, inFooter: true),
    ])

    /// The command `key` runs, or nil; in read-only mode action keys do nothing.
    public func command(for key: Key, readOnly: Bool) -> Command? {
        bindings.first { $0.key == key && !(readOnly && $0.command.isAction) }?.command
    }

    /// The first key bound to a command, for hints such as "press c to clear".
    public func key(for command: Command) -> Key? {
        bindings.first { $0.command == command }?.key
    }

    /// The first key that `overrides` would give two commands (kept default keys count), so a
    /// config that does so is an error naming both instead of a silent unbinding.
    public func conflict(_ overrides: [Command: Key]) -> (key: Key, first: Command, second: Command)? {
        var owner: [Key: Command] = [:]
        for b in bindings where overrides[b.command] == nil { owner[b.key] = b.command }
        for (command, key) in overrides.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if let other = owner[key], other != command { return (key, other, command) }
            owner[key] = command
        }
        return nil
    }

    /// Rebinds commands: `[command: key]`; the key's old binding is dropped so one key never
    /// means two things.
    public func remapped(_ overrides: [Command: Key]) -> KeyMap {
        var b = bindings
        for (command, key) in overrides.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            b.removeAll { $0.key == key }
            let footer = b.first { $0.command == command }?.inFooter ?? false
            b.removeAll { $0.command == command }
            b.append(KeyBinding(key: key, command: command, inFooter: footer))
        }
        return KeyMap(bindings: b)
    }
}

extension Key {
    /// How a key is written in the footer, the help and the config file.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "^" + String(c).uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .function(let n): "F\(n)"
        case .resize: "resize"
        }
    }

    /// Parses a key as written in the config file: a single character, `ctrl-x`, or a name
    /// such as `enter`, `tab`, `f5`.
    public init?(configName s: String) {
        let lower = s.lowercased()
        switch lower {
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "pageup", "pgup": self = .pageUp
        case "pagedown", "pgdn": self = .pageDown
        case "home": self = .home
        case "end": self = .end
        case "enter", "return": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "backtab", "shift-tab": self = .backTab
        case "backspace": self = .backspace
        case "delete", "del": self = .delete
        case "space": self = .char(" ")
        default:
            if s.count == 1, let c = s.first { self = .char(c); return }
            if lower.hasPrefix("ctrl-"), s.count == 6, let c = lower.last { self = .ctrl(c); return }
            if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...24).contains(n) {
                self = .function(n); return
            }
            return nil
        }
    }
}
