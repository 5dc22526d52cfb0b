// BosunGit: see DESIGN.md.
