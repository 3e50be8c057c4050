"""Chain sync through a central folder of signed event files.

The path of an event from one shop to another: docs/ARCHITECTURE.md, "The path of a sale".
"""
