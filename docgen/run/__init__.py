"""Many links over processes: the verdict cache (cache), worker processes (runner: what waits for
what, and feeding the workers; queue: which task goes next; handle: one worker process seen from
this one; worker: what runs inside it), and verify(), which loads, checks and collects results.

Takes paths or derivations; gives Results. May import model, lang, read and check.
"""
