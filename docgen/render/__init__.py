"""Documents: templates and the entry point (render), the view model (view), how each format
writes text, prose, math and links (formatter) and escapes them (escape), KaTeX for HTML math
(katex), TeX to PDF (tex), the citation graph (graph).

Takes checked Results; gives text and bytes, writes nothing. May import model, lang, read, check
and run (for the Result type).
"""
