"""Many links over processes: the verdict cache (cache), worker processes (runner, worker), and
verify(), which loads, checks and collects results.

Takes paths or derivations; gives Results. May import model, lang, read and check.
"""
