"""Hostile stand-ins for a student's answer, and the cells that try each one against the hidden checks.

A mutant replaces the solution code of one exercise (what sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION``) by a hostile answer:

- ``everything``: an object equal to everything, true, callable and indexable, whose arithmetic
  and comparisons say yes (it defeats ``==``, ``<`` and ``abs(a - b) < tol``);
- ``none``: ``None``;
- ``identity``: the exercise's first input, returned unchanged;
- ``constant``: ``0``;
- ``exception``: a ``RuntimeError``.

Inside a function the region becomes ``return <hostile>``; at the top level of a cell each name
the region assigns gets the hostile value. `mutation_cells` lays out, for one lab, the graded
cells of its solution, then each exercise's hidden checks with the solution (they must pass:
otherwise the harness, not the checks, is at fault), then for every exercise and every mutant:
the mutant, the cells tagged ``uses:<exercise>`` that feed the checks, the checks, and a cell that
restores the kernel's namespace. Of the solution's cells and of the feeding cells, only those
the checks can see run (`solution_slice`, `feeding_cells_for`). A mutant is *caught* when its cell or any of its checks fails,
which is when the grader scores that exercise zero.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

from helpers.grading import format as authoring

KINDS = ("everything", "none", "identity", "constant", "exception")

PRELUDE = '''
class _Anything:
    """Equal to everything, true, callable, indexable; arithmetic returns itself."""

    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __hash__(self): return 0
    def __bool__(self): return True
    def __call__(self, *args, **kwargs): return self
    def __getattr__(self, name): return self
    def __getitem__(self, key): return self
    def __setitem__(self, key, value): pass
    def __contains__(self, item): return True
    def __iter__(self): return iter(())
    def __len__(self): return 0
    def __float__(self): return 0.0
    def __int__(self): return 0
    def __index__(self): return 0
    def __repr__(self): return "Anything()"

    def _same(self, *args): return self
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __floordiv__ = __rfloordiv__ = __mod__ = __pow__ = __neg__ = __pos__ = __abs__ = __round__ = _same
    __and__ = __rand__ = __or__ = __ror__ = __invert__ = __matmul__ = __rmatmul__ = _same


_mutation_before = {}


def _mutation_keep(exercise):
    """Copy the lists and dicts as they are before the first cell that needs `exercise` runs."""
    _ns = get_ipython().user_ns
    _mutation_before[exercise] = {k: v.copy() for k, v in _ns.items() if type(v) in (dict, list) and not k.startswith("_")}


def _mutation_snapshot(exercise, forget, reads):
    """Keep the namespace; forget what the cells about to rerun bind, and give back the lists and
    dicts they read as they were before the exercise ran (a fresh run fills them again)."""
    global _mutation_saved
    _ns = get_ipython().user_ns
    _mutation_saved = {k: (v.copy() if type(v) in (dict, list) else v) for k, v in _ns.items()}
    for _name in forget:
        _ns.pop(_name, None)
    for _name in reads:
        if _name in _mutation_before.get(exercise, {}):
            _ns[_name] = _mutation_before[exercise][_name].copy()


def _mutation_restore():
    _ns = get_ipython().user_ns
    _saved = _ns["_mutation_saved"]
    _ns.clear()
    _ns.update(_saved)
'''


def hostile_value(kind: str, first_input: str | None) -> str:
    """The expression a mutant of `kind` answers with."""
    return {"everything": "_Anything()", "none": "None", "identity": first_input or "None",
            "constant": "0"}[kind]


def regions(lines: list[str]) -> list[tuple[int, int]]:
    """(begin, end) line indexes of each ``# BEGIN SOLUTION`` … ``# END SOLUTION`` pair."""
    begins = [i for i, line in enumerate(lines) if line.strip() == authoring.BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == authoring.END]
    assert begins and len(begins) == len(ends), "an exercise cell needs BEGIN/END SOLUTION markers"
    return list(zip(begins, ends))


def module_level_stores(tree: ast.AST) -> set[str]:
    """Names a piece of code binds at module level (not inside functions, classes or comprehensions)."""
    names: set[str] = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def loads(source: str) -> set[str]:
    """Every name a piece of code reads, at any depth."""
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def enclosing_function(tree: ast.Module, line: int):
    """The innermost function whose body holds (1-based) `line`, or None at the top level."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno < line <= node.end_lineno:
            if found is None or node.lineno > found.lineno:
                found = node
    return found


def mutant(solution: str, kind: str) -> str:
    """The exercise cell `solution` with each solution region replaced by a hostile answer of `kind`.

    >>> print(mutant("def f(x):\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION", "identity"))
    def f(x):
        return x
    """
    lines = solution.splitlines()
    tree = ast.parse(solution)
    replaced, last = [], 0
    for begin, end in regions(lines):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        function = enclosing_function(tree, begin + 1)
        if function is not None:
            arguments = function.args.posonlyargs + function.args.args
            first = arguments[0].arg if arguments else None
            body = "raise RuntimeError('a hostile answer')" if kind == "exception" else f"return {hostile_value(kind, first)}"
            new = [indent + body]
        else:
            region = ast.parse(textwrap.dedent("\n".join(lines[begin + 1:end])))
            targets = sorted(module_level_stores(region))
            calls = [node for node in ast.walk(region) if isinstance(node, ast.Call)]
            arguments = [a for call in calls[:1] for a in [*call.args, *(k.value for k in call.keywords)]]
            first = next((a.id for a in arguments if isinstance(a, ast.Name)), None)
            if kind == "exception":
                new = [indent + "raise RuntimeError('a hostile answer')"]
            elif kind == "identity" and first is None:  # nothing to hand back: do the first step only
                new = [indent + ast.unparse(region.body[0])]
            else:
                new = [indent + f"{name} = {hostile_value(kind, first)}" for name in targets]
        replaced += lines[last:begin] + new
        last = end + 1
    return "\n".join(replaced + lines[last:])


@dataclass
class Trial:
    """One mutant's place in the kernel: the exercise, the kind, and the cell indexes to read back."""

    exercise: str
    kind: str
    mutant_cell: int
    check_cells: list


def feeding_cells(job, exercise: str) -> tuple[list[int], set[str], set[str]]:
    """The cells that need `exercise` (tagged ``uses:<exercise>``), the names they bind, and those they read.

    A graded run would run them after the student's cell, so a mutant's effect reaches the checks
    as it would there.
    """
    chosen = [index for index, needs in enumerate(job.payload["needs"])
              if exercise in needs and not job.payload["exercise"][index]]
    sources = [job.payload["cells"][index] for index in chosen]
    bound = set().union(*(module_level_stores(ast.parse(source)) for source in sources))
    read = set().union(*(loads(source) for source in sources))
    return chosen, bound, read


def touched(tree: ast.AST) -> set[str]:
    """Names whose object a piece of code changes without binding them, at module level: the objects
    of an attribute or item assignment, and those whose methods it calls as a statement of their own
    (``trainer.train()``; a method whose result is used, as in ``tokenizer.decode(ids)``, counts as a read).

    >>> sorted(touched(ast.parse("trainer.train()\\nscores['a'] = f(model)\\nnet.fc = head\\nprint(tok.decode(x))")))
    ['net', 'scores', 'trainer']
    """
    names: set[str] = set()

    def base(node):
        while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
            node = node.func if isinstance(node, ast.Call) else node.value
        return node.id if isinstance(node, ast.Name) else None

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            names.add(base(node))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
            names.add(base(node.value.func))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names - {None}


def function_effects(sources) -> dict[str, set[str]]:
    """For each function the cells define at module level, the global names its body may change:
    those it declares ``global`` and those it changes in place (`touched`), such as a results dict.

    >>> function_effects(["def measure(name):\\n    comparison[name] = 1\\n    row = {}"])
    {'measure': {'comparison'}}
    """
    effects = {}
    for tree in filter(None, map(parsed, sources)):
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                declared = {name for inner in ast.walk(node) if isinstance(inner, ast.Global) for name in inner.names}
                effects[node.name] = declared | touched(ast.Module(body=node.body, type_ignores=[]))
    return effects


def changes(tree: ast.AST, effects: dict[str, set[str]]) -> set[str]:
    """The names a cell binds or changes, its calls of the notebook's own functions included."""
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    return module_level_stores(tree) | touched(tree) | set().union(*(effects.get(name, set()) for name in called))


def inputs(source: str) -> set[str]:
    """The names a piece of code reads and never binds itself (at any depth): what it needs from before.

    >>> sorted(inputs("total = 0\\nfor row in rows:\\n    total += row * rate"))
    ['rate', 'rows']
    """
    tree = ast.parse(source)
    bound = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    bound |= {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    bound |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    return loads(source) - bound - imported([source])


def imported(sources) -> set[str]:
    """The names a list of cells binds with import statements (modules: not state a check reads)."""
    return {(alias.asname or alias.name).split(".")[0] for tree in filter(None, map(parsed, sources))
            for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}


def parsed(source: str) -> ast.Module | None:
    """The syntax tree of a cell, or None for one only IPython reads (magics, shell escapes)."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def feeding_cells_for(job, exercise: str, checks: list[str]) -> tuple[list[int], set[str], set[str]]:
    """`feeding_cells`, cut to those whose results the hidden `checks` can see.

    A graded run scores an exercise by its hidden checks alone, and the checks see the kernel
    only through names: a feeding cell matters when it binds or changes a name the checks read,
    or one that another such cell reads (a backward slice). The others (plots, course checks,
    training whose numbers only the prose uses) would run for each mutant and change nothing.
    A cell the slice misses leaves the solution's own value in place, which lets a mutant
    through (a red test) rather than catching one the full run would not.
    """
    chosen, _, _ = feeding_cells(job, exercise)
    modules = imported(job.payload["cells"])
    effects = function_effects(job.payload["cells"])
    needed = set().union(*(inputs(check) for check in checks)) - modules
    kept = []
    for index in reversed(chosen):
        tree = ast.parse(job.payload["cells"][index])
        if changes(tree, effects) & needed:
            kept.insert(0, index)
            needed |= inputs(job.payload["cells"][index]) - modules
    sources = [job.payload["cells"][index] for index in kept]
    bound = set().union(*(module_level_stores(ast.parse(source)) for source in sources))
    read = set().union(*(loads(source) for source in sources))
    return kept, bound, read


def solution_slice(job, checks: list[str], feeding: list[int]) -> set[int]:
    """The job's cells a mutation run executes before its trials: every exercise cell, the feeding
    cells the trials rerun, and (a backward slice) each cell that binds or changes a name those or
    the hidden `checks` read. The solution's other cells (training for the prose's numbers, plots)
    ran once already in the graded run of tests/grading/test_solutions.py.
    """
    cells = job.payload["cells"]
    needed = set().union(*(inputs(check) for check in checks))
    modules = imported(cells)
    effects = function_effects(cells)
    wanted = set()
    for index in reversed(range(len(cells))):
        tree = parsed(cells[index])
        if tree is None:  # IPython syntax: kept, to be safe
            wanted.add(index)
        elif job.payload["exercise"][index] or index in feeding \
                or (module_level_stores(tree) | (changes(tree, effects) - modules)) & needed:
            wanted.add(index)
            needed |= inputs(cells[index])
    return wanted


def mutation_cells(lab, job, solutions: dict) -> tuple[list[str], dict, dict, list[Trial]]:
    """The cells of one lab's mutation run: solution, checks with the solution, then every mutant.

    Of the solution, only the cells the checks and the trials depend on run (`solution_slice`).
    Returns the sources, {index in the job: index here} of the solution's cells, {exercise:
    indexes of its checks run with the solution}, the trials, and each cell's needs and
    exercise for `run_cells`. These skip what a graded run would: after a mutant's own cell
    fails, nothing of its trial runs (the exercise scores zero); after a cell feeding the checks
    fails, the later feeding cells, but not the checks.
    """
    sources, placed = [PRELUDE], {}
    feeding = {exercise: feeding_cells_for(job, exercise, checks) for exercise, checks in lab.hidden.items()}
    first_use = {}
    for exercise, (cells, _, _) in feeding.items():
        if cells:
            first_use.setdefault(cells[0], []).append(exercise)
    wanted = solution_slice(job, [check for checks in lab.hidden.values() for check in checks],
                            [index for cells, _, _ in feeding.values() for index in cells])
    for index, cell in enumerate(job.payload["cells"]):
        if index not in wanted:
            continue
        sources += [f"_mutation_keep({exercise!r})" for exercise in first_use.get(index, [])]
        placed[index] = len(sources)
        sources.append(cell)
    baseline, trials = {}, []
    for exercise, checks in lab.hidden.items():
        baseline[exercise] = list(range(len(sources), len(sources) + len(checks)))
        sources += checks
    needs, exercise_of = [[]] * len(sources), [None] * len(sources)
    for exercise, checks in lab.hidden.items():
        cells, bound, read = feeding[exercise]
        forget = bound | module_level_stores(ast.parse(solutions[exercise]))
        for kind in KINDS:
            trial = f"mutant-{len(trials)}"
            sources.append(f"_mutation_snapshot({exercise!r}, {sorted(forget)!r}, {sorted(read - forget)!r})")
            mutant_cell = len(sources)
            sources.append(mutant(solutions[exercise], kind))
            sources += [job.payload["cells"][index] for index in cells]
            trials.append(Trial(exercise, kind, mutant_cell, list(range(len(sources), len(sources) + len(checks)))))
            sources += checks
            sources.append("_mutation_restore()")
            needs += [[], [], *[[trial, f"{trial}-feeding"]] * len(cells), *[[trial]] * len(checks), []]
            exercise_of += [None, trial, *[None] * (len(cells) + len(checks) + 1)]
    return sources, placed, baseline, trials, needs, exercise_of
