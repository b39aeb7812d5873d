"""A synthetic corpus for benchmarks: N small derivations that all verify.

Each derivation is one of the seed corpus's identities (elementwise and exp Jacobians, the
gradient of 1ᵀexp(x), linear maps, quadratic forms, squared norms, tanh, sigmoid, logsumexp,
the Softmax Jacobian, affine maps, scaled norms), with renamed symbols and dimensions, varied
exact-check sizes and numeric sizes, some with a chain of steps, some with a worked example.
Every file differs (its id at least), so a cold verify checks each one.

Usage: python benchmarks/synthetic.py N FOLDER [--seed S]   (writes FOLDER/syn-0000-*.yaml ...)
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

VECTORS = ["x", "u", "v", "w", "z", "h", "q", "r", "y", "g"]
MATRICES = ["A", "B", "W", "C", "Q", "G"]
DIMS = ["n", "k", "N", "K"]
DIMS2 = ["m", "l", "M", "L"]
SIZES = [[2, 3], [2, 3, 4], [3, 4], [2], [3]]


def _dims(rng: random.Random, *names: str, heavy: bool = False) -> str:
    lines = ["dims:"]
    first = [2, 3] if heavy else rng.choice(SIZES)
    for i, name in enumerate(names):
        # dimensions are zipped: the same number of sizes, or a single one
        sizes = first if i == 0 else rng.choice([[s + 1 for s in first], [rng.randint(2, 4)]])
        lines.append(f"  {name}: {{sizes: {sizes}, numeric: {rng.randint(4, 10)}}}")
    return "\n".join(lines)


def _values(n: int, rng: random.Random) -> str:
    return "[" + ", ".join(str(rng.randint(-3, 3)) for _ in range(n)) + "]"


def _matrix(rows: int, cols: int, rng: random.Random) -> str:
    return "[" + ", ".join(_values(cols, rng) for _ in range(rows)) + "]"


def template(kind: str, rng: random.Random) -> tuple[str, str]:
    """(title, body after the header) of one derivation of `kind`."""
    x = rng.choice(VECTORS)
    n = rng.choice(DIMS)
    m = rng.choice(DIMS2)
    A = rng.choice(MATRICES)
    vec = f"  {x}: {{shape: [{n}], description: the variable}}"
    if kind == "exp-jacobian":
        return "Jacobian of exp", f"""{_dims(rng, n)}
symbols:
{vec}
claim: D(exp({x}), {x}) = diag(exp({x}))
steps:
  - expr: eye({n}) * (ones({n}) @ exp({x}).T)
    by: elementwise
  - expr: diag(exp({x}))
    by: algebra
example:
  sizes: {{{n}: 3}}
  values: {{{x}: {_values(3, rng)}}}
"""
    if kind == "sum-exp":
        return "Gradient of the sum of exponentials", f"""{_dims(rng, n)}
symbols:
{vec}
claim: D(sum(exp({x})), {x}) = exp({x})
steps:
  - expr: D(ones({n}).T @ exp({x}), {x})
    by: definition
  - expr: diag(exp({x})) @ ones({n})
    by: chain-rule
  - expr: exp({x})
    by: algebra
"""
    if kind == "elementwise":
        f = rng.choice(["f", "phi", "act"])
        return "Jacobian of an elementwise function", f"""{_dims(rng, n)}
symbols:
{vec}
functions:
  {f}: {{derivative: {f}prime}}
claim: D({f}({x}), {x}) = diag({f}prime({x}))
steps:
  - expr: eye({n}) * (ones({n}) @ {f}prime({x}).T)
    by: elementwise
  - expr: diag({f}prime({x}))
    by: algebra
"""
    if kind == "linear-map":
        return "Jacobian of a linear map", f"""{_dims(rng, n, m)}
symbols:
{vec}
  {A}: {{shape: [{m}, {n}], assume: [constant]}}
claim: D({A} @ {x}, {x}) = {A}.T
"""
    if kind == "quadratic-form":
        return "Gradient of a quadratic form", f"""{_dims(rng, n)}
symbols:
{vec}
  {A}: {{shape: [{n}, {n}], assume: [constant]}}
claim: D({x}.T @ {A} @ {x}, {x}) = ({A} + {A}.T) @ {x}
steps:
  - expr: D({x}.T @ ({A} @ {x}), {x})
    by: algebra
  - expr: {A} @ {x} + {A}.T @ {x}
    by: product-rule
  - expr: ({A} + {A}.T) @ {x}
    by: algebra
example:
  sizes: {{{n}: 2}}
  values:
    {x}: {_values(2, rng)}
    {A}: {_matrix(2, 2, rng)}
"""
    if kind == "squared-norm":
        return "Gradient of a squared norm", f"""{_dims(rng, n)}
symbols:
{vec}
claim: D({x}.T @ {x}, {x}) = 2 * {x}
steps:
  - expr: {x} + {x}
    by: product-rule
  - expr: 2 * {x}
    by: algebra
"""
    if kind == "tanh":
        return "Gradient of a sum of tanh", f"""{_dims(rng, n)}
symbols:
{vec}
claim: D(sum(tanh({x})), {x}) = ones({n}) - tanh({x}) ** 2
"""
    if kind == "sigmoid":
        return "Gradient of a sum of sigmoids", f"""{_dims(rng, n)}
symbols:
{vec}
claim: D(sum(sigmoid({x})), {x}) = sigmoid({x}) * (ones({n}) - sigmoid({x}))
"""
    if kind == "logsumexp":
        return "Gradient of logsumexp", f"""{_dims(rng, n)}
symbols:
{vec}
claim: D(logsumexp({x}), {x}) = softmax({x})
steps:
  - expr: D(log(ones({n}).T @ exp({x})), {x})
    by: definition
  - expr: exp({x}) / (ones({n}).T @ exp({x}))
    by: chain-rule
  - expr: softmax({x})
    by: definition
"""
    if kind == "softmax-jacobian":
        s = "s" if x != "s" else "p"
        return "Jacobian of softmax", f"""{_dims(rng, n, heavy=True)}
symbols:
{vec}
definitions:
  {s}: softmax({x})
claim: D({s}, {x}) = diag({s}) - {s} @ {s}.T
"""
    if kind == "affine":
        b = "b" if x != "b" else "c"
        return "Gradient of the sum of an affine map", f"""{_dims(rng, n, m)}
symbols:
{vec}
  {A}: {{shape: [{m}, {n}], assume: [constant]}}
  {b}: {{shape: [{m}], assume: [constant]}}
claim: D(sum({A} @ {x} + {b}), {x}) = {A}.T @ ones({m})
"""
    if kind == "scaled-norm":
        c = rng.choice(["c", "alpha", "lam"])
        return "Gradient of a scaled squared norm", f"""{_dims(rng, n)}
symbols:
{vec}
  {c}: {{shape: scalar, assume: [constant]}}
claim: D({c} * ({x}.T @ {x}), {x}) = 2 * {c} * {x}
"""
    raise ValueError(kind)


KINDS = ["exp-jacobian", "sum-exp", "elementwise", "linear-map", "quadratic-form", "squared-norm",
         "tanh", "sigmoid", "logsumexp", "softmax-jacobian", "affine", "scaled-norm"]


ONE_STEP_RULE = {"linear-map": "linearity", "affine": "linearity", "scaled-norm": "product-rule",
                 "softmax-jacobian": "quotient-rule"}


def generate(count: int, folder: Path, seed: int = 6) -> list[Path]:
    """Write `count` derivations into `folder` (created); returns their paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        title, body = template(kind, rng)
        if "\nsteps:" not in body:  # a one-step chain: lhs = rhs, by the rule of the kind
            claim = next(line for line in body.splitlines() if line.startswith("claim:"))
            rhs = claim.split(" = ", 1)[1]
            body += f"steps:\n  - expr: {rhs}\n    by: {ONE_STEP_RULE.get(kind, 'chain-rule')}\n"
        did = f"syn-{i:04d}-{kind}"
        text = (f"id: {did}\ntitle: {title} ({i})\nlanguage: en\nlayout: denominator\n"
                f"tags: [synthetic, {kind}]\n{body}")
        path = folder / f"{did}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    paths = generate(args.count, args.folder, args.seed)
    print(f"wrote {len(paths)} derivations into {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
