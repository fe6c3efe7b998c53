"""Import rules import-linter cannot express, checked on the source with `ast`."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_MAY_IMPORT = {"attrs", "attr", "email_validator", "phonenumbers"}


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """Every module the source imports, with its line.

    `from a.b import c` names both `a.b` and `a.b.c` (c may be a submodule); after
    `import aiohttp`, the attribute path `aiohttp.web` counts as importing it too.
    Relative imports keep their leading dots.
    """
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> the module `import` bound it to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
                local = alias.asname or alias.name.split(".")[0]
                bound[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base.rstrip('.')}.{alias.name}" if node.module else base
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            path = _dotted(node)
            head = None if path is None else path.split(".")[0]
            if path is not None and head in bound:
                yield node.lineno, bound[head] + path[len(head) :]


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def is_aiohttp_web(module: str) -> bool:
    """aiohttp.web and the aiohttp.web_* modules it is assembled from."""
    return module == "aiohttp.web" or module.startswith(("aiohttp.web.", "aiohttp.web_"))


def python_files(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return files


def violations(package: str, forbidden: Callable[[str], bool]) -> list[str]:
    found = []
    for path in python_files(package):
        for line, module in imported_modules(path.read_text()):
            if forbidden(module):
                found.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    return found


def domain_may_not_import(module: str) -> bool:
    if module.startswith("."):
        return False
    top = module.split(".")[0]
    return top not in sys.stdlib_module_names and top not in DOMAIN_MAY_IMPORT | {"domain"}


# --- the checkers themselves --------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import aiohttp.web",
        "import aiohttp.web as web",
        "from aiohttp import web",
        "from aiohttp.web import Request",
        "from aiohttp.web_request import Request",
        "import aiohttp.web_exceptions",
        "import aiohttp\ndef f():\n    return aiohttp.web.Response()",
        "import aiohttp as http\nhandler = http.web.Request",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aiohttp import web",
    ],
)
def test_the_checker_sees_every_way_of_importing_aiohttp_web(source: str) -> None:
    assert any(is_aiohttp_web(module) for _, module in imported_modules(source))


@pytest.mark.parametrize(
    "source",
    [
        "import aiohttp",
        "from aiohttp import ClientSession",
        "import aiohttp.client",
        "from aiohttp.test_utils import TestClient",
        "webhook = 1",
    ],
)
def test_the_checker_allows_the_rest_of_aiohttp(source: str) -> None:
    assert not any(is_aiohttp_web(module) for _, module in imported_modules(source))


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("from __future__ import annotations", True),
        ("import hashlib, hmac, re, secrets", True),
        ("from collections.abc import Callable", True),
        ("import attrs", True),
        ("from email_validator import validate_email", True),
        ("import phonenumbers", True),
        ("from domain.errors import InvalidValue", True),
        ("from .errors import InvalidValue", True),
        ("import sqlalchemy", False),
        ("from application.errors import NotFound", False),
        ("from adapters.memory import unit_of_work", False),
        ("import msgspec", False),
        ("from aiohttp import web", False),
    ],
)
def test_the_domain_checker_tells_allowed_imports_apart(source: str, allowed: bool) -> None:
    bad = [m for _, m in imported_modules(source) if domain_may_not_import(m)]
    assert (bad == []) is allowed, bad


# --- the rules, on the code -----------------------------------------------------------------


def test_adapters_do_not_import_aiohttp_web() -> None:
    assert ROOT / "adapters" / "memory" / "unit_of_work.py" in python_files("adapters")

    assert violations("adapters", is_aiohttp_web) == []


def test_the_domain_imports_only_the_standard_library_attrs_and_validators() -> None:
    assert ROOT / "domain" / "values.py" in python_files("domain")

    assert violations("domain", domain_may_not_import) == []
