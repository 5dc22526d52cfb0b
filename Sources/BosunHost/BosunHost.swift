// BosunHost: see DESIGN.md.
