"""The library in derivations/: plausible wrong variants of every derivation are rejected.

Each variant replaces a piece of expression text in the loaded YAML data (the claim, the steps,
never the prose) -- a lost transpose, a factor of 2, the symmetric-case formula taken for the
general one, a dropped term -- and must be rejected either with a witness (a checked link with
status 'failed' and a concrete point) or by the shape checker (an input error naming both shapes, exit status 2).
Only the links whose text the variant changed are checked, to keep this fast.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

from docgen.check.checker import Checker
from docgen.cli import main
from docgen.model.errors import DocgenError
from docgen.read.load import load_file
from docgen.read.spec import build_derivation

FOLDER = Path(__file__).resolve().parent.parent / "derivations"

WITNESS, SHAPE = "witness", "shape"

# (file stem, text to replace, replacement, expected rejection, what the mistake is)
VARIANTS = [
    ("linear-map-jacobian", "A.T", "A", SHAPE, "lost transpose: m×n instead of n×m"),
    ("inner-product-rule", "D(u, x) @ v + D(v, x) @ u", "D(u, x) @ v + D(u, x) @ v", WITNESS, "u and v mixed up"),
    ("inner-product-rule", "D(u, x) @ v + D(v, x) @ u", "D(u, x) @ v", WITNESS, "a term of the product rule dropped"),
    ("quadratic-form-gradient", "(A + A.T) @ x", "2 * A @ x", WITNESS, "the symmetric-case formula for general A"),
    ("quadratic-form-gradient", "eye(n) @ (A @ x) + A.T @ x", "eye(n) @ (A @ x) + A @ x", WITNESS, "lost transpose in a step"),
    ("squared-norm-gradient", "2 * x", "x", WITNESS, "factor 2 lost"),
    ("norm-gradient", "x / norm(x)", "x / norm(x)**2", WITNESS, "the gradient of the squared norm's square root confused"),
    ("least-squares-gradient", "2 * A.T @ (A @ x - b)", "A.T @ (A @ x - b)", WITNESS, "factor 2 lost"),
    ("least-squares-gradient", "2 * A.T @ (A @ x - b)", "2 * A @ (A @ x - b)", SHAPE, "lost transpose"),
    ("least-squares-gradient", "2 * (A.T @ A @ x - A.T @ b)", "2 * (A.T @ A @ x - b)", SHAPE, "A.T dropped from b"),
    ("trace-axb-gradient", "A.T @ B.T", "A @ B", SHAPE, "both transposes lost"),
    ("trace-square-gradient", "2 * X.T", "2 * X", WITNESS, "lost transpose (right only for symmetric X)"),
    ("softmax-jacobian-index", "delta(i, k) * s[i] - s[i] * s[k]", "delta(i, k) * s[i] - s[i] * s[i]",
     WITNESS, "an index typed twice"),
    ("softmax-jacobian-index", "matrix(i, k, s[k] * (delta(i, k) - s[i]))",
     "matrix(i, k, s[k] * (1 - s[i]))", WITNESS, "the Kronecker delta dropped"),
    ("trace-square-gradient", "2 * X.T", "X.T", WITNESS, "factor 2 lost"),
    ("inverse-differential", "-inv(X) @ d(X) @ inv(X)", "-inv(X) @ inv(X) @ d(X)", WITNESS, "matrices commuted"),
    ("trace-inverse-gradient", "-(inv(X) @ A @ inv(X)).T", "-(inv(X) @ A @ inv(X))", WITNESS, "lost transpose"),
    ("det-differential", "det(X) * inv(X).T", "det(X) * inv(X)", WITNESS, "lost transpose"),
    ("det-differential", "det(X) * tr(inv(X) @ d(X))", "tr(inv(X) @ d(X))", WITNESS, "the factor det X lost"),
    ("logdet-differential", "tr(inv(X) @ d(X))", "tr(inv(X).T @ d(X))", WITNESS, "transpose in the trace"),
    ("sigmoid-derivative", "diag(s * (ones(n) - s))", "diag(ones(n) - s)", WITNESS, "a factor σ lost"),
    ("tanh-derivative", "ones(n) - tanh(x)**2", "ones(n) - tanh(x)", WITNESS, "square lost"),
    ("softplus-derivative", "sigmoid(x)", "sigmoid(-x)", WITNESS, "sign of the argument"),
    ("logsumexp-gradient", "softmax(x)", "exp(x)", WITNESS, "the normaliser forgotten"),
    ("softmax-temperature-jacobian", "(diag(s) - s @ s.T) / tau", "(diag(s) - s @ s.T)", WITNESS, "1/T lost"),
    ("softmax-temperature-jacobian", "(diag(s) - s @ s.T) / tau", "(diag(s) - s @ s.T) * tau", WITNESS, "T instead of 1/T"),
    ("mse-gradient", "2 * (p - y) / n", "2 * (p - y)", WITNESS, "the mean's 1/n lost"),
    ("mse-gradient", "2 * (p - y) / n", "(p - y) / n", WITNESS, "factor 2 lost"),
    ("bce-logits-gradient", "sigmoid(z) - y", "y - sigmoid(z)", WITNESS, "sign"),
    ("categorical-cross-entropy-logits", "softmax(z) - y", "softmax(z)", WITNESS, "the target term lost"),
    ("linear-layer-gradients", "g @ x.T", "x @ g.T", SHAPE, "transposed outer product"),
    ("linear-layer-gradients", "W.T @ g", "W @ g", SHAPE, "lost transpose"),
    ("mlp-backprop", "((ones(k) - h**2) * (W2.T @ (o - y))) @ x.T", "(W2.T @ (o - y)) @ x.T", WITNESS,
     "the tanh derivative forgotten"),
    ("mlp-backprop", "(o - y) @ h.T", "h @ (o - y).T", SHAPE, "transposed outer product"),
    ("l2-regularization", "lamda * W", "2 * lamda * W", WITNESS, "factor 2 of the square kept despite the 1/2"),
    ("layer-norm-jacobian", "xn @ xn.T / n", "xn @ xn.T", WITNESS, "1/n lost"),
    ("layer-norm-jacobian", "- ones(n, n) / n - xn", "- xn", WITNESS, "the centring term lost"),
    ("attention-gradients", "a @ g.T", "g @ a.T", SHAPE, "transposed outer product"),
    ("attention-gradients", "(diag(a) - a @ a.T) @ V @ g", "diag(a) @ V @ g", WITNESS,
     "the softmax Jacobian taken as diagonal"),
]

IDS = [f"{stem}:{what}" for stem, _, _, _, what in VARIANTS]


def _replace_in(value, old: str, new: str, count: list[int]):  # noqa: ANN001, ANN202
    if isinstance(value, str):
        count[0] += value.count(old)
        return value.replace(old, new)
    return value


def mutate(data: dict, old: str, new: str) -> dict:
    """Replace `old` by `new` in the claim(s), step expressions and definitions (never in prose)."""
    data = copy.deepcopy(data)
    count = [0]

    def chain(holder: dict) -> None:
        if "claim" in holder:
            holder["claim"] = _replace_in(holder["claim"], old, new, count)
        for i, step in enumerate(holder.get("steps", [])):
            if isinstance(step, dict):
                step["expr"] = _replace_in(step["expr"], old, new, count)
            else:
                holder["steps"][i] = _replace_in(step, old, new, count)

    chain(data)
    for part in data.get("parts", []):
        chain(part)
    assert count[0] > 0, f"{old!r} not found in the expressions"
    return data


def _load(stem: str):
    return load_file(FOLDER / f"{stem}.yaml")


def _pairs(der) -> set[tuple[str, str, str]]:
    return {(k.part, k.left.text, k.right.text) for k in Checker(der).links()}


def test_every_library_derivation_has_a_variant():
    stems = {f.stem for f in FOLDER.glob("*.yaml")}
    seed = {"elementwise-b26", "exp-jacobian", "linear-softmax-backprop", "product-rule-b15",
            "softmax-cross-entropy", "softmax-jacobian", "sum-exp-gradient"}
    assert stems - seed <= {v[0] for v in VARIANTS}


@pytest.mark.parametrize("stem,old,new,expect,what", VARIANTS, ids=IDS)
def test_wrong_variant_is_rejected(stem, old, new, expect, what):
    doc = _load(stem)
    original = build_derivation(doc)
    bad_doc = dataclasses.replace(doc, data=mutate(doc.data, old, new))
    if expect == SHAPE:
        with pytest.raises(DocgenError) as info:
            build_derivation(bad_doc)
        assert info.value.exit_code == 2
        assert "×" in str(info.value)  # the message names both shapes
        return
    bad = build_derivation(bad_doc)
    checker = Checker(bad)
    before = _pairs(original)
    changed = [k for k in checker.links() if (k.part, k.left.text, k.right.text) not in before
               and k.kind != "identification"]
    assert changed, "the variant changed no link"
    for link in changed:
        checker.check(link)
    failed = [k for k in changed if k.status == "failed"]
    assert failed, [(k.part, k.kind, k.index, k.status, k.evidence) for k in changed]
    assert all(k.witness is not None for k in failed)


def test_shape_variant_exits_2_from_the_command_line(tmp_path, capsys):
    """The same rejection seen by a user: exit status 2 and the two shapes in the message."""
    import yaml

    doc = _load("linear-layer-gradients")
    path = tmp_path / "linear-layer-gradients.yaml"
    path.write_text(yaml.safe_dump(mutate(doc.data, "W.T @ g", "W @ g"), allow_unicode=True), encoding="utf-8")
    assert main(["verify", "--no-cache", str(path)]) == 2
    err = capsys.readouterr().err
    assert "linear-layer-gradients.yaml" in err and "n×m @ n×1" in err
