"""Files to models: YAML with source positions (load), then the schema (schema) and a Derivation
(spec).

Takes paths; gives Derivation objects or located errors. The only stage that reads derivation
files. May import docgen.model and docgen.lang.
"""
