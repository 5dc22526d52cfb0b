// BosunDiff: see DESIGN.md.
