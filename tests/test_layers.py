"""The package layout is the data flow: a stage imports only from the stages before it.

documents → chunks → index → retrieval → answer → compliance → serve → API → evals → CLI.
``types``, ``config`` and ``errors`` are shared by all. Another stage is reached through its
package (``from assistant.index import BM25Index``), never through one of its modules, and
only for names that package lists in ``__all__``. No module imports itself back through a
circle of imports, lazy imports inside functions included. No function runs past 150 lines.
Parses the source (``ast``), so it imports nothing and takes well under a second.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

# (stage, the modules or packages that form it), in the order data flows.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shared", ("assistant.types", "assistant.config", "assistant.errors")),
    ("ingest", ("assistant.ingest",)),
    ("index", ("assistant.index",)),
    ("retrieval", ("assistant.retrieval",)),
    ("answer", ("assistant.answer",)),
    ("compliance", ("assistant.compliance",)),
    ("serve", ("assistant.serve",)),
    ("api", ("assistant.api",)),
    ("evals", ("evals",)),
    ("cli", ("assistant.cli",)),
)
# Entry points: they may import anything, and nothing imports them.
ENTRY = ("assistant", "assistant.__main__", "evals.__main__", "app")
# Within the product package a stage reaches another through its ``__all__`` only. The
# evals (a consumer that measures internals, like the tests) may import any module.
SEALED = "assistant."


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module imported
    names: tuple[str, ...]  # names taken from it (``from target import names``)
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    """Every module of the product: assistant/, evals/ and app.py."""
    files = [*root.glob("assistant/**/*.py"), *root.glob("evals/**/*.py"), root / "app.py"]
    return {module_name(root, f): f for f in files if f.exists()}


def imports(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in the module, at any depth (lazy imports and TYPE_CHECKING included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [Import(name, a.name, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            attrs = []
            for a in node.names:
                if f"{base}.{a.name}" in modules:  # ``from package import module``
                    out.append(Import(name, f"{base}.{a.name}", (), node.lineno))
                else:
                    attrs.append(a.name)
            if attrs:
                out.append(Import(name, base, tuple(attrs), node.lineno))
    return [i for i in out if i.target in modules]


def stage_of(module: str) -> tuple[int, str, str] | None:
    """(rank, stage, the stage's package) of a module; None for an entry point."""
    if module in ENTRY:
        return None
    for rank, (stage, roots) in enumerate(STAGES):
        for root in roots:
            if module == root or module.startswith(root + "."):
                return rank, stage, root
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES in tests/test_layers.py")


def public_names(path: Path) -> set[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {ast.literal_eval(e) for e in node.value.elts}  # type: ignore[attr-defined]
    return set()


def violations(root: Path) -> list[str]:
    """What breaks the layout, one line each; empty when the layout holds."""
    modules = discover(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    problems: list[str] = []
    for name, path in sorted(modules.items()):
        mine = stage_of(name)
        for imp in imports(name, path, modules):
            graph[name].add(imp.target)
            where = f"{path.relative_to(root)}:{imp.line}"
            theirs = stage_of(imp.target)
            if theirs is None:
                problems.append(f"{where}: imports the entry point {imp.target}")
                continue
            if mine is None or mine[1] == "shared" or theirs[1] == "shared":
                if mine is not None and theirs[0] > mine[0]:
                    problems.append(f"{where}: {mine[1]} imports the later stage {theirs[1]}")
                continue
            if theirs[0] > mine[0]:
                problems.append(
                    f"{where}: {name} ({mine[1]}) imports {imp.target} from the later stage "
                    f"{theirs[1]}"
                )
            elif theirs[1] != mine[1] and imp.target.startswith(SEALED) and name.startswith(SEALED):
                if imp.target != theirs[2]:
                    problems.append(
                        f"{where}: reach the {theirs[1]} stage through its package "
                        f"({theirs[2]}), not {imp.target}"
                    )
                else:
                    hidden = set(imp.names) - public_names(modules[imp.target])
                    if hidden:
                        problems.append(
                            f"{where}: {theirs[2]} does not list {sorted(hidden)} in __all__"
                        )
            elif theirs[1] == mine[1] and imp.target == theirs[2] and name != theirs[2]:
                problems.append(
                    f"{where}: inside {theirs[1]}, import the module, not the package "
                    f"{theirs[2]} (its __init__ imports you)"
                )
    problems += [f"import circle: {' → '.join(c)}" for c in circles(graph)]
    return problems


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), as a readable path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # recursion depth is bounded by the module count (~100)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph[v]:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [[*g, g[0]] for g in groups]


def test_the_product_follows_the_data_flow() -> None:
    problems = violations(ROOT)
    assert not problems, "\n".join(problems)


def test_every_package_names_its_public_api() -> None:
    packages = [p for p in (ROOT / "assistant").glob("*/__init__.py")]
    assert len(packages) >= 7
    missing = [str(p.relative_to(ROOT)) for p in packages if not public_names(p)]
    assert not missing, f"no __all__ in {missing}"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (  # retrieval reaching forward into answer
            {
                "assistant/retrieval/__init__.py": "__all__ = []\n",
                "assistant/retrieval/r.py": "def f():\n    from assistant.answer import g\n",
                "assistant/answer/__init__.py": "__all__ = ['g']\ng = 1\n",
            },
            "imports assistant.answer from the later stage answer",
        ),
        (  # two modules of one stage importing each other, one of them lazily
            {
                "assistant/answer/__init__.py": "__all__ = []\n",
                "assistant/answer/a.py": "from assistant.answer.b import x\n",
                "assistant/answer/b.py": "x = 1\ndef f():\n    from assistant.answer.a import y\n",
            },
            "import circle: assistant.answer.a → assistant.answer.b → assistant.answer.a",
        ),
        (  # a later stage reaching into an earlier stage's module
            {
                "assistant/index/__init__.py": "__all__ = []\n",
                "assistant/index/store.py": "X = 1\n",
                "assistant/answer/__init__.py": "__all__ = []\n",
                "assistant/answer/a.py": "from assistant.index.store import X\n",
            },
            "reach the index stage through its package (assistant.index)",
        ),
        (  # a name the earlier stage does not publish
            {
                "assistant/index/__init__.py": "__all__ = ['A']\nA = 1\n_B = 2\n",
                "assistant/answer/__init__.py": "__all__ = []\n",
                "assistant/answer/a.py": "from assistant.index import _B\n",
            },
            "does not list ['_B'] in __all__",
        ),
    ],
)
def test_the_check_catches_what_breaks_the_layout(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    problems = violations(_tree(tmp_path, files))
    assert any(expected in p for p in problems), problems


MAX_FUNCTION_LINES = 150


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Functions (methods and nested ones included) longer than ``limit`` lines."""
    out = []
    for name, path in discover(root).items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    out.append(f"{name}.{node.name} (line {node.lineno}) has {n} lines")
    return out


def test_no_function_runs_past_the_limit(tmp_path: Path) -> None:
    problems = long_functions(ROOT)
    assert not problems, "\n".join(problems)
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    long_tree = _tree(tmp_path, {"assistant/a.py": f"def f():\n{body}"})
    assert long_functions(long_tree) == [
        f"assistant.a.f (line 1) has {MAX_FUNCTION_LINES + 1} lines"
    ]
