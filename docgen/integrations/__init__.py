"""Adapters that put checked derivations into other tools' pages: a Python-Markdown extension
(mdext) and an MkDocs plugin (mkdocs_plugin) over one shared core, the ```derivation blocks
of a Markdown text (blocks) and their verification and rendering (session).

Takes Markdown text and options; gives HTML fragments and the assets they need. Sits on top of
the pipeline: may import every stage (model … publish); only docgen.cli is above it. MkDocs is
imported by mkdocs_plugin alone, so that it is never a dependency of docgen itself.
"""
