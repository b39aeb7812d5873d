"""docgen/publish/numpycode.py: docgen names as Python identifiers in the generated code."""

from __future__ import annotations

from docgen.publish.numpycode import dname, py


def test_names_are_python_identifiers():
    assert py("lambda") == "lambda_" and py("np") == "np_" and py("x") == "x"
    assert dname("W") == "dW_"
