"""Loyalty counter: a terminal app for the till of a small shop."""

__version__ = "0.1.0"
