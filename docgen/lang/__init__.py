"""The expression language: text to trees (parse), shapes (shapes), the rules' names (rules),
trees to SymPy objects (symbolic) and LaTeX (notation; names, shapes and numbers in
typeset).

Takes expression text and trees; gives trees, shapes and LaTeX. May import docgen.model only.
"""
