"""Built-in reasons a step may give in `by:`; anything else must be a derivation id."""

from __future__ import annotations

# name -> (English, Chinese) as shown in documents
RULES: dict[str, tuple[str, str]] = {
    "definition": ("by definition", "由定义"),
    "algebra": ("algebra", "代数化简"),
    "transpose": ("transpose rules", "转置性质"),
    "linearity": ("linearity", "线性性"),
    "product-rule": ("product rule", "乘积法则"),
    "quotient-rule": ("quotient rule", "商法则"),
    "chain-rule": ("chain rule", "链式法则"),
    "differential": ("rules of differentials", "微分法则"),
    "identification": ("identification: df = (∂f/∂x)ᵀ dx", "辨识：df = (∂f/∂x)ᵀ dx"),
    "assumption": ("by the assumptions", "由假设"),
    "substitution": ("substitution", "代入"),
    "elementwise": ("elementwise derivative", "逐元素求导"),
    "trace": ("trace rules", "迹的性质"),
}


def describe(rule: str, language: str) -> str:
    """The rule's name in the document's language (the id itself for citations)."""
    names = RULES.get(rule)
    if names is None:
        return rule
    return names[1] if language == "zh" else names[0]
