"""Outputs on disk: build (all formats of every derivation), site and serve (a static site and its
live preview), report (verify's text and JSON), export (NumPy modules), fsutil (atomic writes).

Takes paths and options; writes files. May import every stage below it; only docgen.cli above.
"""
