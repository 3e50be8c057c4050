"""Member cards as PNG, SVG, PDF and ESC/POS; no database here (see app/services/cards.py)."""
