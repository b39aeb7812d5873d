"""docgen.run.queue: which task a worker gets next (its derivation, then its lane, then help)."""

from __future__ import annotations

from docgen.run.queue import TaskQueue
from docgen.run.verify import load_corpus

SOURCE = """\
id: small
title: small
dims:
  n: {sizes: [2, 3]}
symbols:
  x: {shape: [n]}
claim: D(sum(exp(x)), x) = exp(x)
steps:
  - D(ones(n).T @ exp(x), x)
  - exp(x)
"""


def test_a_worker_keeps_to_one_derivation_then_shares_what_is_left(tmp_path):
    small = SOURCE
    big = SOURCE.replace("id: small", "id: big").replace("sizes: [2, 3]", "sizes: [2, 3, 4, 5]")
    (tmp_path / "a.yaml").write_text(small, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(big, encoding="utf-8")
    ders = load_corpus([str(tmp_path)]).derivations
    ids = [d.id for d in ders]
    start = [((i, "link", k), None) for i in range(2) for k in range(3)]
    queue = TaskQueue(ders, start)
    first = queue.take(None)
    assert ids[first[0][0]] == "big"  # the heaviest derivation first
    second = queue.take(None)
    assert ids[second[0][0]] == "small"  # another worker starts the other one
    assert queue.take(first[0][0])[0][0] == first[0][0]  # a worker keeps to its derivation
    queue.add([((second[0][0], "claim", 9), "payload")])
    assert queue.take(second[0][0]) == ((second[0][0], "claim", 9), "payload")  # ready claims first
    rest = [queue.take(second[0][0]) for _ in range(3)]
    assert [t[0][0] for t in rest] == [second[0][0]] * 2 + [first[0][0]]  # then it helps with big
    assert not queue


def test_each_worker_goes_through_its_own_stretch_of_similar_derivations(tmp_path):
    """Two lanes: the derivations, heaviest first, cut in two; each worker starts its lane's
    next one, and a worker whose lane is done takes from the far end of the other."""
    sizes = ["[2, 3, 4, 5]", "[2, 3, 4]", "[2, 3]", "[2]"]  # four weights, heaviest first
    for k, size in enumerate(sizes):
        text = SOURCE.replace("id: small", f"id: w{k}").replace("sizes: [2, 3]", f"sizes: {size}")
        (tmp_path / f"w{k}.yaml").write_text(text, encoding="utf-8")
    ders = load_corpus([str(tmp_path)]).derivations
    by_id = {d.id: i for i, d in enumerate(ders)}
    queue = TaskQueue(ders, [((i, "link", 0), None) for i in range(4)], lanes=2)
    assert queue.take(None, lane=0)[0][0] == by_id["w0"]  # lane 0: the heaviest half
    assert queue.take(None, lane=1)[0][0] == by_id["w2"]  # lane 1: the lighter half, in order
    assert queue.take(None, lane=1)[0][0] == by_id["w3"]
    assert queue.take(None, lane=1)[0][0] == by_id["w1"]  # lane 1 done: the far end of lane 0
    assert not queue
