// BosunStore: see DESIGN.md.
