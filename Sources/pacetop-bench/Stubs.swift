func runTerminal(_ docs: Documents, _ report: Report, quick: Bool) throws {}
func runSSH(_ docs: Documents, _ report: Report, quick: Bool) throws {}
