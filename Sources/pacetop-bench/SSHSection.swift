func runSSH(_ docs: Documents, _ report: Report, quick: Bool) throws {}
