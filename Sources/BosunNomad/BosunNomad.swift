// BosunNomad: see DESIGN.md.
