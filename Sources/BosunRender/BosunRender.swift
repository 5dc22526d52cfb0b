// BosunRender: see DESIGN.md.
