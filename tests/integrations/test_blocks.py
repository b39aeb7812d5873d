"""docgen/integrations/blocks.py: which fences are derivation blocks, and their page lines."""

from __future__ import annotations

import pytest

from docgen.integrations.blocks import find_blocks
from docgen.model.errors import DocgenError

PAGE = """\
# Title

```derivation
id: a
```

````markdown
```derivation
id: shown-not-run
```
````

~~~~ derivation
file: x.yaml
~~~~

```python
x = 1
```
"""


def test_blocks_and_their_lines():
    blocks = find_blocks(PAGE, "docs/p.md", first_line=4)
    assert [(b.line, b.end, b.body) for b in blocks] == [
        (6, 8, "id: a\n"), (16, 18, "file: x.yaml\n")]
    assert str(blocks[0].loc) == "docs/p.md:6"


def test_an_example_inside_another_fence_is_not_a_block():
    assert all("shown-not-run" not in b.body for b in find_blocks(PAGE, "p.md"))


def test_a_shorter_fence_does_not_close_a_longer_one():
    text = "````derivation\nid: a\n```\nb: 1\n````\n"
    (block,) = find_blocks(text, "p.md")
    assert block.body == "id: a\n```\nb: 1\n"


def test_an_unclosed_block_is_an_error_at_its_line():
    with pytest.raises(DocgenError, match=r"^p\.md:3: ```derivation block is not closed"):
        find_blocks("text\n\n```derivation\nid: a\n", "p.md")
