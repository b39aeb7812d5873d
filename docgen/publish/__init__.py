"""Outputs on disk: build (all formats of every derivation; incremental: what is up to date),
site and serve (a static site and its live preview; siteplan: what its pages say), report
(verify's text and JSON), export (NumPy modules; numpycode: expressions as NumPy code), fsutil
(atomic writes).

Takes paths and options; writes files. May import every stage below it; only docgen.cli above.
"""
