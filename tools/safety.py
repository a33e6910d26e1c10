"""Static checks on generated code before it runs: shape, Allure annotations and a safety guard.

Generated code runs on our machine, so anything reaching beyond the target under test (processes, raw
sockets, native code, deleting or writing files outside `tmp_path`, evaluating code, foreign hosts) is
reported. It is a guard against careless generated code, read from the AST; it is not a sandbox.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

# Modules whose import alone is reported: nothing a generated API or UI test needs lives there.
_FORBIDDEN_MODULES: dict[str, str] = {
    "subprocess": "runs processes",
    "socket": "opens raw sockets",
    "ctypes": "calls native code",
    "multiprocessing": "starts processes",
    "pty": "starts processes",
}

# Dotted names (fnmatch patterns) that are reported wherever they are used, called or not.
_FORBIDDEN_NAMES: dict[str, str] = {
    "subprocess": "runs processes",
    "socket": "opens raw sockets",
    "ctypes": "calls native code",
    "multiprocessing": "starts processes",
    "os.system": "runs a shell command",
    "os.popen": "runs a shell command",
    "os.exec*": "replaces the process",
    "os.spawn*": "starts processes",
    "os.posix_spawn*": "starts processes",
    "os.fork*": "starts processes",
    "os.kill*": "signals processes",
    "os.remove": "deletes files",
    "os.unlink": "deletes files",
    "os.rmdir": "deletes directories",
    "os.removedirs": "deletes directories",
    "os.rename": "moves files",
    "os.replace": "moves files",
    "shutil.rmtree": "deletes directories",
    "shutil.move": "moves files",
    "asyncio.create_subprocess_*": "runs processes",
    "eval": "evaluates code",
    "exec": "evaluates code",
    "compile": "compiles code",
    "__import__": "imports modules dynamically",
    "__builtins__": "reaches builtins dynamically",
    "importlib.import_module": "imports modules dynamically",
    "pickle.load*": "unpickles data",
    "pickle.Unpickler": "unpickles data",
    "marshal.load*": "unmarshals code",
}

# Sleeping makes a suite slow and hides races; tests wait for a condition instead.
_SLEEPS = {"time.sleep", "asyncio.sleep"}
_SLEEP_METHODS = {"wait_for_timeout"}  # Playwright's fixed wait
_NO_SLEEP = "generated tests must not sleep; wait for a condition instead"
# Test functions take settings and credentials from fixtures; one reading the environment can put a secret
# into its messages and reports. Support files (conftest.py) read it on purpose, so only tests are checked.
_ENVIRONMENT = ("os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv")

_OPEN_FUNCTIONS = {"open", "io.open", "codecs.open"}
# Path methods that change the file system; allowed only on paths under a tmp fixture.
_WRITING_METHODS = {"write_text", "write_bytes", "unlink", "rmdir", "rename", "touch", "chmod"}
# Module names that appear without their import in a lone test function (imports travel separately).
_MODULE_ROOTS = {"os", "shutil", "io", "codecs", "pathlib", "tempfile"}
_TMP_FIXTURES = {"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"}
_MODE = re.compile(r"^[rwxabtU+]+$")
_URL = re.compile(r"\b(?:https?|wss?)://([^/\s?#'\"<>\\]*)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": "80", "ws": "80", "https": "443", "wss": "443"}
# Keyword arguments holding what a request carries (body, query, headers): a URL there is data, not a target.
_DATA_KEYWORDS = frozenset({"json", "data", "params", "headers", "cookies", "files", "content"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def check_test_code(code: str, *, allowed_hosts: set[str]) -> list[str]:
    """Problems with one generated test function's source (decorators included); empty means OK."""
    tree, problems = _parse(code)
    if tree is None:
        return problems
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(functions) != 1:
        problems.append(f"expected exactly one top-level test function, found {len(functions)}")
    for function in functions:
        if not function.name.startswith("test_"):
            problems.append(f"line {function.lineno}: function {function.name!r} must start with 'test_'")
        if not _has_allure_title(function):
            problems.append(f"line {function.lineno}: missing Allure annotation @allure.title(...)")
    return problems + _guard(tree, allowed_hosts, forbid_sleep=True)


def check_module(code: str, *, allowed_hosts: set[str]) -> list[str]:
    """Problems with a support file of the suite (conftest.py, helpers); empty means OK."""
    tree, problems = _parse(code)
    if tree is None:
        return problems
    return problems + _guard(tree, allowed_hosts, forbid_sleep=False)


def _parse(code: str) -> tuple[ast.Module | None, list[str]]:
    try:
        return ast.parse(code), []
    except SyntaxError as error:
        return None, [f"syntax error at line {error.lineno}: {error.msg}"]


def _has_allure_title(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(decorator, ast.Call) and _dotted(decorator.func) == "allure.title"
        for decorator in function.decorator_list
    )


def _guard(tree: ast.Module, allowed_hosts: set[str], *, forbid_sleep: bool) -> list[str]:
    """Dangerous imports, names, file writes, foreign URLs (and sleeps), as "line N: …" sorted by line."""
    aliases = _import_aliases(tree)
    found: list[tuple[int, str]] = [*_imports(tree), *_urls(tree, allowed_hosts)]
    found += _names(tree, aliases, forbid_sleep)
    found += _file_writes(tree, aliases, _tmp_names(tree))
    return [message for _, message in sorted(set(found))]


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, so `from os import system as s` is seen."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr, aliases: dict[str, str] | None = None) -> str | None:
    """`a.b.c` as a string with the root resolved through import aliases; None for other expressions."""
    if isinstance(node, ast.Name):
        name = (aliases or {}).get(node.id, node.id)
        return name.removeprefix("builtins.")
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        else:
            continue
        for module in modules:
            root = module.split(".")[0]
            if why := _FORBIDDEN_MODULES.get(root):
                yield node.lineno, f"line {node.lineno}: import of {module} is not allowed ({why})"


def _forbidden(dotted: str) -> str | None:
    """Why a dotted name (or any of its prefixes) is forbidden, or None."""
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        for pattern, why in _FORBIDDEN_NAMES.items():
            if fnmatchcase(prefix, pattern):
                return why
    return None


def _names(tree: ast.Module, aliases: dict[str, str], forbid_sleep: bool) -> Iterator[tuple[int, str]]:
    """Uses of forbidden names; only whole chains, so `os.system` is reported once, not also as `os`."""
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    bound = _locally_bound(tree)
    for node in ast.walk(tree):
        if forbid_sleep and isinstance(node, ast.Attribute) and node.attr in _SLEEP_METHODS:
            yield node.lineno, f"line {node.lineno}: .{node.attr}() is not allowed: {_NO_SLEEP}"
        if not isinstance(node, ast.Name | ast.Attribute) or id(node) in inner:
            continue
        if not isinstance(node.ctx, ast.Load):
            continue
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        # A parameter or variable that happens to be called `compile` is not the builtin.
        if isinstance(root, ast.Name) and root.id in bound and root.id not in aliases:
            continue
        dotted = _dotted(node, aliases)
        if dotted is None:
            continue
        if why := _forbidden(dotted):
            yield node.lineno, f"line {node.lineno}: use of {dotted} is not allowed ({why})"
        elif forbid_sleep and dotted in _SLEEPS:
            yield node.lineno, f"line {node.lineno}: {dotted} is not allowed: {_NO_SLEEP}"
        elif forbid_sleep and any(dotted == name or dotted.startswith(name + ".") for name in _ENVIRONMENT):
            yield node.lineno, f"line {node.lineno}: use of {dotted} is not allowed (reads the environment)"


def _locally_bound(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def _tmp_names(tree: ast.Module) -> set[str]:
    """The tmp fixtures plus variables assigned a path under them (`counter = tmp_path / "n"`)."""
    names = set(_TMP_FIXTURES)
    assignments = [
        (node.targets[0].id, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    ]
    assignments += [
        (node.target.id, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign | ast.NamedExpr)
        and isinstance(node.target, ast.Name)
        and node.value is not None
    ]
    changed = True
    while changed:  # a fixpoint, so chains of assignments are followed whatever their order
        changed = False
        for name, value in assignments:
            if name not in names and _under_tmp(value, names):
                names.add(name)
                changed = True
    return names


def _safe_part(node: ast.expr) -> bool:
    """A path component that cannot climb out of its parent: a relative literal without `..`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ".." not in node.value and not node.value.startswith(("/", "\\"))
    if isinstance(node, ast.JoinedStr):  # only the literal parts can be judged
        return all(_safe_part(value) for value in node.values if isinstance(value, ast.Constant))
    return False


def _under_tmp(node: ast.expr, tmp_names: set[str]) -> bool:
    """Whether an expression clearly names a path inside a tmp fixture."""
    match node:
        case ast.Name(id=name):
            return name in tmp_names
        case ast.BinOp(op=ast.Div(), left=left, right=right):
            return _under_tmp(left, tmp_names) and _safe_part(right)
        case ast.Call(func=ast.Name(id="str" | "Path" | "PurePath"), args=[first]):
            return _under_tmp(first, tmp_names)
        case ast.Call(func=ast.Attribute(value=value, attr="mktemp" | "getbasetemp")):
            return _under_tmp(value, tmp_names)
        case ast.Call(func=ast.Attribute(value=value, attr="joinpath" | "join"), args=args) if args:
            if _dotted(value) == "os.path":
                return _under_tmp(args[0], tmp_names) and all(_safe_part(arg) for arg in args[1:])
            return _under_tmp(value, tmp_names) and all(_safe_part(arg) for arg in args)
        case ast.JoinedStr(values=[ast.FormattedValue(value=value), ast.Constant(value=str(tail)), *rest]):
            # f"{tmp_path}/name": the literal right after the directory must start a child path.
            literals = [tail, *(part.value for part in rest if isinstance(part, ast.Constant))]
            climbs = any(".." in str(literal) for literal in literals)
            return _under_tmp(value, tmp_names) and tail.startswith("/") and not climbs
    return False


def _mode_writes(mode: ast.expr | None) -> bool:
    """Whether an open() mode may write; a mode we cannot read counts as writing."""
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(flag in mode.value for flag in "wax+")
    return True


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _file_writes(tree: ast.Module, aliases: dict[str, str], tmp_names: set[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        line = node.lineno
        function = _dotted(node.func, aliases)
        if function in _OPEN_FUNCTIONS:
            path = node.args[0] if node.args else _keyword(node, "file")
            mode = node.args[1] if len(node.args) > 1 else _keyword(node, "mode")
            if _mode_writes(mode) and not (path is not None and _under_tmp(path, tmp_names)):
                yield line, f"line {line}: open() for writing is only allowed under tmp_path"
            continue
        if not isinstance(node.func, ast.Attribute) or _is_module_function(function, aliases):
            continue  # module functions such as os.unlink are judged by name above
        receiver, method = node.func.value, node.func.attr
        if method == "open":
            first = node.args[0] if node.args else None
            mode = first if isinstance(first, ast.Constant) and _MODE.match(str(first.value)) else None
            if _mode_writes(mode or _keyword(node, "mode")) and not _under_tmp(receiver, tmp_names):
                yield line, f"line {line}: .open() for writing is only allowed under tmp_path"
        elif method in _WRITING_METHODS and not _under_tmp(receiver, tmp_names):
            yield line, f"line {line}: .{method}() is only allowed on paths under tmp_path"


def _is_module_function(dotted: str | None, aliases: dict[str, str]) -> bool:
    if dotted is None:
        return False
    root = dotted.split(".")[0]
    return root in _MODULE_ROOTS or root in {name.split(".")[0] for name in aliases.values()}


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of docstring nodes: prose may cite any URL, only code must stay on the target."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _host_allowed(scheme: str, authority: str, allowed: set[str]) -> bool:
    """host[:port] against the allowed set; a bare allowed host admits any port, a default port is implied."""
    host, separator, port = authority.rpartition(":")
    if not separator or "]" in port:  # no port: an IPv6 literal keeps its colons inside brackets
        host, port = authority, ""
    candidates = {authority, host}
    if not port and scheme in _DEFAULT_PORTS:
        candidates.add(f"{host}:{_DEFAULT_PORTS[scheme]}")
    return bool(candidates & allowed)


def _urls(tree: ast.Module, allowed_hosts: set[str]) -> Iterator[tuple[int, str]]:
    """URLs the code may send to: every URL-shaped string except docstrings and data carried by requests."""
    allowed = {host.lower() for host in allowed_hosts}
    flow = _Flow(tree)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr | ast.BinOp) and not flow.inside_text(node):
            text = flow.fold(node)  # the whole string, with names bound to constants filled in
        else:
            continue
        found = list(_authorities(text))
        if not found or id(node) in skip or flow.carried_as_data(node):
            continue
        for authority, scheme in found:
            if not _host_allowed(scheme, authority, allowed):
                listed = ", ".join(sorted(allowed)) or "none"
                message = f"URL host {authority!r} is not an allowed target (allowed: {listed})"
                yield node.lineno, f"line {node.lineno}: {message}"


def _authorities(text: str) -> Iterator[tuple[str, str]]:
    """(authority, scheme) of each URL in a text whose host is written out."""
    for match in _URL.finditer(text):
        authority = match.group(1).rsplit("@", 1)[-1].lower()
        # An empty or templated authority ("http://" + host, "http://{host}") is filled in at run time.
        if authority and "{" not in authority:
            yield authority, urlsplit(match.group(0)).scheme.lower()


class _Flow:
    """Where string values go: into the data a request carries, or anywhere else (a destination)."""

    def __init__(self, tree: ast.Module) -> None:
        self._parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        self._uses: dict[str, list[ast.Name]] = {}
        self._values: dict[str, list[ast.expr | None]] = {}  # what each binding of a name assigns, if known
        self._exported: set[int] = set()  # names bound where other code reads them: module or class level
        for node in ast.walk(tree):
            if isinstance(node, ast.arg):  # a parameter: its value comes at run time
                self._values.setdefault(node.arg, []).append(None)
            if not isinstance(node, ast.Name):
                continue
            if isinstance(node.ctx, ast.Load):
                self._uses.setdefault(node.id, []).append(node)
                continue
            parent = self._parents.get(id(node))
            assigned = isinstance(parent, ast.Assign | ast.AnnAssign | ast.NamedExpr)
            self._values.setdefault(node.id, []).append(parent.value if assigned else None)
            scope = next((a for a in self._ancestors(node) if isinstance(a, _SCOPES)), None)
            if scope is None or isinstance(scope, ast.ClassDef):
                self._exported.add(id(node))

    def _ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while (node := self._parents.get(id(node))) is not None:
            yield node

    def inside_text(self, node: ast.AST) -> bool:
        """Whether a string expression is a part of a larger one (judged as a whole there)."""
        return isinstance(self._parents.get(id(node)), ast.JoinedStr | ast.FormattedValue | ast.BinOp)

    def fold(self, node: ast.expr, depth: int = 0) -> str:
        """A string expression's text; parts not known statically become "{}" (a run-time value)."""
        match node:
            case ast.Constant(value=str(text)):
                return text
            case ast.JoinedStr(values=values):
                return "".join(self.fold(value, depth) for value in values)
            case ast.FormattedValue(value=value):
                return self.fold(value, depth)
            case ast.BinOp(op=ast.Add(), left=left, right=right):
                return self.fold(left, depth) + self.fold(right, depth)
            case ast.Name(id=name) if depth < 5 and len(values := self._values.get(name, [])) == 1:
                # A name bound exactly once, to a value we can read, stands for that value.
                return self.fold(values[0], depth + 1) if values[0] is not None else "{}"
        return "{}"

    def carried_as_data(self, node: ast.AST, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a value only ends up in what requests carry (json=, params=, headers=…), compared or
        cited in an assertion message, so a URL in it is content and not a place the code sends to."""
        child = node
        for parent in self._ancestors(node):
            match parent:
                case ast.keyword(arg=arg) if arg in _DATA_KEYWORDS:
                    return True
                case ast.Compare():
                    return True
                case ast.Assert(msg=message) if child is message:
                    return True
                case ast.Assign(targets=targets, value=value) if child is value:
                    return all(self._only_data(target, seen) for target in targets)
                case ast.AnnAssign(target=target, value=value):
                    return child is value and self._only_data(target, seen)
                case ast.NamedExpr(target=target):
                    if not self._only_data(target, seen):
                        return False  # and if it is data there, the expression's own value goes on
                case ast.Subscript(ctx=ast.Store() | ast.Del()):
                    return True  # `payload["url"] = …` writes into payload; it sends nothing anywhere
                case ast.Dict() | ast.List() | ast.Tuple() | ast.Set() | ast.Starred() | ast.Subscript():
                    pass  # a part of a container is carried wherever the container goes
                case ast.JoinedStr() | ast.FormattedValue() | ast.BinOp():
                    pass  # so is a part of a string built from it
                case _:
                    return False
            child = parent
        return False

    def _only_data(self, target: ast.expr, seen: frozenset[str]) -> bool:
        """Whether every use of an assigned variable is data; module and class attributes never are."""
        while isinstance(target, ast.Subscript):  # payload["url"] = …: the value goes where payload goes
            target = target.value
        if not isinstance(target, ast.Name) or id(target) in self._exported:
            return False
        if target.id in seen:
            return True  # a cycle adds no new place the value can reach
        return all(self.carried_as_data(use, seen | {target.id}) for use in self._uses.get(target.id, []))
