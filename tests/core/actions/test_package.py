"""core.actions names everything the front ends use, and loads it on first use: importing the
package before the first window costs nothing."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from clustertrust.core import actions
from clustertrust.core.actions import runtime


@pytest.mark.parametrize("module", [actions, runtime])
def test_every_name_it_offers_resolves(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert getattr(module, name) is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        actions.plan_everything  # type: ignore[attr-defined]  # noqa: B018


def test_importing_it_loads_no_stage_and_no_cryptography() -> None:
    code = (
        "import sys; from clustertrust.core import actions; from clustertrust.core.actions "
        "import runtime; print(sorted(m for m in sys.modules if m.startswith(('clustertrust', "
        "'cryptography', 'keyring'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = ast.literal_eval(out.stdout)  # a printed list of module names
    stages = ("bundle", "source", "install", "verify", "report", "clients", "cloud")
    heavy = [m for m in loaded if m.startswith(("cryptography", "keyring"))]
    staged = [m for m in loaded if m.startswith(tuple(f"clustertrust.core.{s}" for s in stages))]
    assert heavy == [] and staged == []
    assert "clustertrust.core.actions.runtime" in loaded  # it was imported, and cheaply
