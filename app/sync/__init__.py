"""Chain sync through a central folder of signed event files (see DESIGN.md, "Sync")."""
