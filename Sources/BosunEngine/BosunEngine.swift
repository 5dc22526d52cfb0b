// BosunEngine: see DESIGN.md.
