// KubernetesSimulator: see DESIGN.md.
