// BosunCLI: see DESIGN.md.
