"""The expression language: text to trees (parse), shapes (shapes), the rules' names (rules),
and trees to SymPy objects and LaTeX (symbolic, notation).

Takes expression text and trees; gives trees, shapes and LaTeX. May import docgen.model only.
"""
