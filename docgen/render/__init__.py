"""Documents: the view model and every format's escaping (render), KaTeX for HTML math (katex),
TeX to PDF (tex), the citation graph (graph).

Takes checked Results; gives text and bytes, writes nothing. May import model, lang, read, check
and run (for the Result type).
"""
