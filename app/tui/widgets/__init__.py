"""Widgets of the counter screen, one per module, named for what they show."""
