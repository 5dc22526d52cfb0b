// NomadSimulator: see DESIGN.md.
