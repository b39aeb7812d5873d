"""The data every stage shares: expression trees, derivations, errors with locations.

Takes nothing; gives frozen dataclasses (model.derivation, model.expr) and the DocgenError family
(model.errors). Imports nothing of docgen: every other stage may import it.
"""
