// BosunServer: see DESIGN.md.
