// BosunKubernetes: see DESIGN.md.
