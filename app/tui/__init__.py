"""The counter: a Textual app for the till (scan a card, see the member, check out with points)."""
