"""The library's layout: its modules import one another without a cycle, and none of them imports the app."""

import ast
from pathlib import Path

import aemodels
import aemodels_app.caches
import aemodels_app.pages

PACKAGE = Path(aemodels.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (top level, inside functions, under TYPE_CHECKING), with
    `from aemodels import losses` read as aemodels.losses."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path.name}: relative import; aemodels imports itself by absolute names")
    return found


def import_graph() -> dict[str, set[str]]:
    """aemodels module -> the aemodels modules it imports (the package's __init__ aside: every submodule's
    import runs it, so it is no edge)."""
    names = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    return {
        name: {m.split(".")[1] for m in imported_modules(PACKAGE / f"{name}.py") if m.startswith("aemodels.")}
        & (names - {name})
        for name in names
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path [a, b, ..., a], or None (depth-first search, colouring nodes)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for child in sorted(graph[node]):
            cycle = visit(child)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_among_aemodels_modules():
    graph = import_graph()
    assert {"models", "losses", "train", "playground", "samplers"} <= set(graph)
    assert "losses" in graph["models"]  # the graph sees the imports it should
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_aemodels_module_imports_streamlit_or_the_app():
    for path in sorted(PACKAGE.glob("*.py")):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in ("streamlit", "aemodels_app")}
        assert not bad, f"{path.name} imports {sorted(bad)}: the library never imports streamlit or the app"


def cache_decorators(path: Path) -> list[str]:
    """The functions of a file decorated with one of Streamlit's caches (st.cache_data, st.cache_resource, with or
    without arguments)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr.startswith("cache_"):
                    found.append(node.name)
    return found


def test_no_page_module_defines_a_cache():
    """Streamlit runs a page's file as a fresh __main__ and keys caches by module, so a cache (or a pool) defined in
    a page is not the one a test or another module imports from aemodels_app.pages (issue 34.2): every per-process
    cache and resource lives in aemodels_app/caches.py."""

    pages = Path(aemodels_app.pages.__file__).parent
    assert cache_decorators(Path(aemodels_app.caches.__file__))  # the check sees a cache where there is one
    defined = {path.name: cache_decorators(path) for path in sorted(pages.glob("*.py"))}
    assert {name: found for name, found in defined.items() if found} == {}
