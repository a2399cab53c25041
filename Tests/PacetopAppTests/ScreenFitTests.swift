import Foundation
import Testing
import PacetopCore
import PacetopUI
@testable import PacetopApp

/// Issue 15: the screen never hides what matters (names, commands, problems, fail counts).
@Suite struct ScreenFitTests {
    func state(_ name: String, size: Size) throws -> AppState {
        var s = makeState(size: size)
        _ = poll(&s, try Fixture.status(name))
        return s
    }

    /// healthy.xml with a two-instance clone whose instances have different fail counts.
    func cloneStatus() throws -> ClusterStatus {
        var xml = try String(contentsOf: Fixture.dir.appendingPathComponent("healthy.xml"), encoding: .utf8)
        let clone = """
            <clone id="web-clone" multi_state="false" unique="false" maintenance="false" managed="true" disabled="false" failed="false" failure_ignored="false">
              <resource id="web" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
                <node name="ip-172-31-16-134" id="2" cached="true"/>
              </resource>
              <resource id="web" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
                <node name="ip-172-31-16-135" id="3" cached="true"/>
              </resource>
            </clone>
          </resources>
          """
        xml = xml.replacingOccurrences(of: "</resources>", with: clone)
        let history = """
          <node name="ip-172-31-16-134"><resource_history id="web" orphan="false" migration-threshold="1000000" fail-count="INFINITY"/></node>
          <node name="ip-172-31-16-135"><resource_history id="web" orphan="false" migration-threshold="1000000" fail-count="300"/></node>
          </node_history>
          """
        xml = xml.replacingOccurrences(of: "</node_history>", with: history)
        return try CrmMonParser.parse(Data(xml.utf8))
    }

    @Test func nodeNamesAreWholeAt60ColumnsAndKeepTheirEndsBelow() throws {
        let s = try state("healthy", size: Size(width: 60, height: 24))
        let lines = screen(s)
        let nodes = try #require(lines.firstIndex { $0.contains("Nodes (3)") })
        for (i, n) in ["133", "134", "135"].enumerated() {
            #expect(lines[nodes + 1 + i].contains("ip-172-31-16-\(n)"), "whole name: \(lines[nodes + 1 + i])")
        }
        // Narrower than the name: the shared start gives way, the distinguishing end stays.
        let line = Line("ip-172-31-16-133").keepingEnd(width: 7, ellipsis: "…")
        #expect(line.plainText == "…16-133")
        #expect(Line("    web").keepingEnd(width: 7, ellipsis: "…").plainText == "    web", "fits: unchanged")
        #expect(Line("    web-clone").keepingEnd(width: 8, ellipsis: "…").plainText == "    …one", "indent kept")
    }

    @Test func compactScreenShowsWhichNodeIsMaster() throws {
        let lines = screen(try state("failover-after", size: Size(width: 20, height: 6)))
        #expect(lines.contains("★ master …-31-16-134"), "\(lines)")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 20 })
    }

    @Test func onceAndScreenShortenNamesAlike() throws {
        var s = makeState(size: Size(width: 60, height: 30))
        var status = try Fixture.status("healthy")
        status.resources[0].id = "httpd-bundle-ip-192.168.122.131-and-then-some"
        _ = poll(&s, status)
        let screenText = text(s)
        let once = OnceReport.text(s, width: 60)
        #expect(screenText.contains("-then-some"), "the end of the name shows on screen")
        #expect(once.contains("-then-some"), "and in --once at the same width")
        // Into a pipe: whole lines.
        let whole = OnceReport.text(s, width: nil)
        #expect(whole.contains("httpd-bundle-ip-192.168.122.131-and-then-some"))
        #expect(!whole.contains("…"))
    }

    @Test func onceIsPureASCIIWithASCIIGlyphsAndSaysNoLive() throws {
        var s = makeState()
        var moved = try Fixture.status("moved")
        moved.cliConstraints = [LocationConstraint(id: "cli-prefer-pbx", kind: .prefer, resource: "pbx", node: "ip-172-31-16-135")]
        _ = poll(&s, moved)
        s.config.canPerformActions = true
        let out = OnceReport.text(s, width: nil, glyphs: .ascii)
        let nonASCII = String(String.UnicodeScalarView(out.unicodeScalars.filter { !$0.isASCII }))
        #expect(nonASCII.isEmpty, "non-ASCII in --once: \(nonASCII)")
        #expect(!out.contains("live"), "a one-shot is not live")
    }

    @Test func cloneInstancesShowTheirOwnFailCount() throws {
        var s = makeState(size: Size(width: 120, height: 40))
        _ = poll(&s, try cloneStatus())
        let rows = Rows.resources(s).filter { $0.resource.id == "web" }
        #expect(rows.map(\.failCount) == [.infinity, .count(300)])
        let lines = screen(s).filter { $0.contains(" web ") && $0.contains("Started") }
        #expect(lines.count == 2)
        let on134 = lines.first(where: { $0.contains("16-134") }) ?? ""
        let on135 = lines.first(where: { $0.contains("16-135") }) ?? ""
        #expect(on134.contains("banned"), "INFINITY keeps it off the node: \(lines)")
        #expect(on135.contains("300 fails"), "\(lines)")
    }

    @Test func confirmationThatCannotShowItsCommandCannotBeConfirmed() throws {
        for size in [Size(width: 20, height: 6), Size(width: 40, height: 12)] {
            var s = try state("healthy", size: size)
            press(&s, .char("G"), .char("R"))
            let t = text(s)
            #expect(t.contains("Enlarge"), "at \(size): \(t)")
            #expect(!View.confirmFits(s))
            let effects = press(&s, .char("y"))
            #expect(effects.isEmpty, "y does nothing at \(size)")
            #expect(s.running == nil)
            #expect(s.message?.text.contains("enlarge the terminal") == true)
        }
        // Wide enough when wrapped: the whole command shows and y runs it.
        var s = try state("healthy", size: Size(width: 60, height: 24))
        press(&s, .char("G"), .char("R"))
        #expect(text(s).contains("120s"))
        #expect(View.confirmFits(s))
        guard case .perform(let command, _)? = press(&s, .char("y")).first else { Issue.record("nothing performed"); return }
        #expect(command.action == .restart(resource: "pbx"))
    }

    @Test func filterNeverHidesProblemsAndEscClearsIt() throws {
        var s = try state("failed-pbx", size: Size(width: 80, height: 24))
        press(&s, .char("/"), .char("e"), .char("i"), .char("p"), .enter)
        let t = text(s)
        #expect(!t.contains("no failed actions"), "\(t)")
        #expect(t.contains("hidden by filter"), "\(t)")
        press(&s, .escape)
        #expect(s.filter.isEmpty, "Esc clears an applied filter")
        #expect(text(s).contains("✗ pbx monitor"))
    }

    @Test func tabVisitsOnlyPanesOnScreen() throws {
        var s = try state("healthy", size: Size(width: 80, height: 17))
        let areas = View.paneAreas(s)
        var seen: [Pane] = []
        for _ in 0..<8 {
            press(&s, .tab)
            seen.append(s.focus)
            #expect(areas[s.focus] != nil, "focus on \(s.focus), which is not on screen")
        }
        #expect(Set(seen) == Set(areas.keys))
        // A resize that hides the focused pane moves the focus to one on screen.
        s = try state("healthy", size: Size(width: 80, height: 24))
        s.focus = .timeline
        _ = App.update(&s, .resized(Size(width: 80, height: 17)))
        #expect(View.paneAreas(s)[s.focus] != nil)
    }

    func longList(size: Size) throws -> AppState {
        var s = makeState(size: size)
        var status = try Fixture.status("healthy")
        let template = status.resources[0]
        for i in 0..<60 {
            var r = template
            r.id = "extra\(i)"
            status.resources.append(r)
        }
        _ = poll(&s, status)
        return s
    }

    @Test func pageKeysMoveByTheVisiblePage() throws {
        var s = try longList(size: Size(width: 80, height: 40))
        let page = try #require(View.paneAreas(s)[.resources]).height - 2
        press(&s, .pageDown)
        #expect(s.selected(.resources) == page)
        #expect(s.offset(.resources) == page, "the list turns a page with the cursor")
        press(&s, .pageDown, .pageUp)
        #expect(s.selected(.resources) == page)
        // The second page stopped at the end of the list; PgUp turns back a whole page from there.
        let count = Rows.resources(s).count
        #expect(s.offset(.resources) == min(count - page, 2 * page) - page)
    }

    @Test func movingUpALongListScrollsInsteadOfPinningTheCursor() throws {
        var s = try longList(size: Size(width: 80, height: 30))
        press(&s, .char("G"))
        let bottom = s.offset(.resources)
        #expect(bottom > 0)
        press(&s, .up)
        #expect(s.offset(.resources) == bottom, "one up from the last row: no scroll")
        let lines = screen(s)
        let pointer = try #require(lines.firstIndex { $0.contains("▶") })
        let last = try #require(lines.lastIndex { $0.contains("extra") })
        #expect(pointer == last - 1, "the cursor moved up, the list stayed")
        #expect(lines.contains { $0.hasSuffix("█") }, "a scrollbar shows that the pane scrolls")
    }

    @Test func helpScrollsAndSaysThereIsMore() throws {
        var s = try state("healthy", size: Size(width: 60, height: 16))
        press(&s, .char("?"))
        #expect(text(s).contains("↓ more"))
        #expect(!text(s).contains("asks first"), "action keys are below the fold")
        for _ in 0..<40 { press(&s, .down) }
        #expect(text(s).contains("asks first"))
        #expect(text(s).contains("↑ more"))
        #expect(s.overlay == .help)
    }

    @Test func nodeKeysThatCannotApplySayWhy() throws {
        var s = try state("healthy", size: Size(width: 80, height: 24))
        s.focus = .nodes
        press(&s, .char("u"))
        #expect(s.overlay == .none)
        #expect(s.message?.text == "ip-172-31-16-133 is not in standby: it is online")
        s = try state("standby", size: Size(width: 80, height: 24))
        s.focus = .nodes
        let standby = try #require(Rows.nodes(s).firstIndex { $0.node.state == .standby })
        s.select(standby, in: .nodes)
        press(&s, .char("s"))
        #expect(s.overlay == .none)
        #expect(s.message?.text.hasSuffix("is already in standby") == true)
    }

    @Test func quitDialogSaysTheRemoteCommandCompletes() throws {
        var s = try state("healthy", size: Size(width: 100, height: 30))
        press(&s, .char("G"), .char("R"), .char("y"), .char("q"))
        let t = text(s)
        #expect(t.contains("completes there"))
        #expect(!t.contains("can leave the resource stopped"))
    }

    @Test func timelineShowsAt80x24() throws {
        var s = try state("failed-pbx", size: Size(width: 80, height: 24))
        _ = poll(&s, try Fixture.status("failed-pbx-recovered"), at: t0.addingTimeInterval(2))
        #expect(View.paneAreas(s)[.timeline] != nil)
        #expect(text(s).contains("Timeline"))
    }
}

/// Issue 15: the failover story and the times on screen.
@Suite struct FailoverStoryTests {
    func failover() throws -> AppState {
        var s = makeState(size: Size(width: 100, height: 40))
        _ = poll(&s, try Fixture.status("failover-before"), at: t0)
        var mid = try Fixture.status("failover-before")
        mid.nodes[0].online = false
        mid.resources = mid.resources.map { var r = $0; r.nodes = []; r.role = .stopped; return r }
        _ = poll(&s, mid, at: t0.addingTimeInterval(2))
        _ = poll(&s, try Fixture.status("failover-after"), at: t0.addingTimeInterval(6))
        return s
    }

    @Test func aNodesVanishingHistoryIsNotAChange() throws {
        var s = makeState()
        _ = poll(&s, try Fixture.status("failed-pbx"), at: t0)
        _ = poll(&s, try Fixture.status("failover-after"), at: t0.addingTimeInterval(2))  // 133 offline
        _ = poll(&s, try Fixture.status("failed-pbx"), at: t0.addingTimeInterval(4))  // back, history back
        let texts = s.timeline.map(\.text)
        #expect(!texts.contains { $0.contains("recovered") }, "\(texts)")
        #expect(!texts.contains { $0.contains("1 → 0") || $0.contains("0 → 1") }, "\(texts)")
        #expect(!texts.contains { $0.contains("cleared") }, "\(texts)")
        #expect(texts.contains("ip-172-31-16-133 OFFLINE"))
    }

    @Test func failoverLinesFoldUnderItsEntryAndItStaysPinned() throws {
        var s = try failover()
        let entries = Rows.timeline(s)
        let head = try #require(entries.first { $0.text.hasPrefix("FAILOVER") })
        #expect(!entries.contains { $0.text == "pbx started on ip-172-31-16-134" }, "folded")
        #expect(Rows.foldedCount(s) > 3)
        let t = text(s)
        #expect(t.contains("lines: Enter)"))
        #expect(Rows.pinnedFailover(s) != nil)
        // Enter on the FAILOVER entry: expands it and acknowledges the pin.
        s.focus = .timeline
        let index = try #require(entries.firstIndex { $0.text == head.text })
        s.select(index, in: .timeline)
        press(&s, .enter)
        #expect(Rows.pinnedFailover(s) == nil)
        #expect(Rows.timeline(s).contains { $0.text == "pbx started on ip-172-31-16-134" })
        press(&s, .enter)
        #expect(!Rows.timeline(s).contains { $0.text == "pbx started on ip-172-31-16-134" }, "Enter folds again")
    }

    @Test func oneTimeFormatAndTheZoneOnceInTheHeader() throws {
        var s = makeState(size: Size(width: 120, height: 40))
        s.config.utc = true
        _ = poll(&s, try Fixture.status("failed-pbx"))
        let lines = screen(s)
        #expect(lines[0].hasSuffix("times UTC"))
        #expect(lines.joined().components(separatedBy: "UTC").count == 2, "the zone is named once")
        #expect(lines.contains { $0.contains("at 2026-11-25 04:55:47") }, "problems: no Z, same layout")
        #expect(View.crmTime("Wed Nov 25 04:55:46 2026", s) == "2026-11-25 04:55:46")
        #expect(View.clock(t0, utc: true) == "11:06:40")
        press(&s, .char("G"), .enter)
        #expect(text(s).contains("last failure 2026-11-25 04:55:47"))
    }
}

@Suite struct ThemeAndKeyConfigTests {
    @Test func themeKeyMovesPastABrokenTheme() throws {
        var s = makeState()
        s.themeNames = ["broken", "default", "monochrome"]
        s.themeName = "monochrome"
        #expect(press(&s, .char("T")) == [.loadTheme("broken")])
        // The runner could not load it: said once, and the next one is loaded.
        #expect(App.update(&s, .themeFailed("broken", "broken.toml:2: unknown role")) == [.loadTheme("default")])
        _ = App.update(&s, .themeLoaded("default"))
        #expect(s.message?.text == "theme: default (broken skipped: broken.toml:2: unknown role)")
        #expect(press(&s, .char("T")) == [.loadTheme("monochrome")])
        _ = App.update(&s, .themeLoaded("monochrome"))
        #expect(press(&s, .char("T")) == [.loadTheme("default")], "skipped from then on")
    }

    @Test func intervalMayBeAFloat() throws {
        #expect(try ConfigFile.parse("interval = 1.5\n", file: "c.toml").interval == 1.5)
    }

    @Test func twoCommandsOnOneKeyIsAnErrorNamingBoth() throws {
        for (text, both) in [("[keys]\ncleanup = \"x\"\nrestart = \"x\"\n", ["cleanup", "restart"]),
                             ("[keys]\ncleanup = \"q\"\n", ["cleanup", "quit"])] {
            #expect(throws: TOMLError.self) { try ConfigFile.parse(text, file: "c.toml") }
            do {
                _ = try ConfigFile.parse(text, file: "c.toml")
            } catch {
                #expect(both.allSatisfy { "\(error)".contains($0) }, "\(error)")
                #expect("\(error)".hasPrefix("c.toml:"), "\(error)")
            }
        }
        // Moving both is fine.
        #expect(throws: Never.self) { try ConfigFile.parse("[keys]\ncleanup = \"q\"\nquit = \"Q\"\n", file: "c.toml") }
    }
}
