"""Perf Lab's AST export: one function of a Python file (and the file's functions it calls) as JSON.

Standard library only, Python 3.8 or later. The extension runs it on the user's interpreter, so that the file is
parsed by the Python that runs it:

    perf_lab_ast.py FILE FUNCTION     prints {"ok": true, "entry": ..., "functions": {...}, "imports": {...}, ...}
                                      or {"ok": false, "line": ..., "column": ..., "message": ...}

Every node is an object with "_type" (the ast class name), "line" and "col" (1-based) when the node has a position,
"endLine" for statements, and its fields. Constants are tagged so that JSON keeps them exact: {"int": "123"} (any size), {"float": "0x1.8p+1"}
(float.hex, also inf and nan), {"complex": [real hex, imag hex]}, {"bool": true}, {"none": true}, {"str": "..."}; other constants as {"other": repr}.
"""

import ast
import json
import sys


def constant(value):
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, complex):
        return {"complex": [value.real.hex(), value.imag.hex()]}
    if value is None:
        return {"none": True}
    if isinstance(value, str):
        return {"str": value}
    return {"other": repr(value)}


def node_json(node):
    """The node as JSON: its type, position and fields, recursively."""
    if isinstance(node, list):
        return [node_json(n) for n in node]
    if not isinstance(node, ast.AST):
        return node
    if not node._fields and not hasattr(node, "lineno"):
        # Operators and contexts (ast.Add, ast.Load): their name is enough.
        return type(node).__name__
    out = {"_type": type(node).__name__}
    if hasattr(node, "lineno"):
        out["line"] = node.lineno
        out["col"] = node.col_offset + 1
        if getattr(node, "end_lineno", None) is not None:
            if isinstance(node, ast.stmt):
                out["endLine"] = node.end_lineno
            # Where the node ends, for a rewrite that keeps its text (the parallel targets): line and 1-based
            # UTF-8 byte column, as "col" is.
            out["end"] = [node.end_lineno, node.end_col_offset + 1]
    for name, value in ast.iter_fields(node):
        if name in ("type_comment", "kind"):
            continue
        if isinstance(node, ast.Constant) and name == "value":
            out["value"] = constant(value)
        else:
            out[name] = node_json(value)
    return out


def called_names(fn):
    """Names called directly in a function: f(...)."""
    names = set()
    for n in ast.walk(fn):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            names.add(n.func.id)
    return names


def module_values(tree):
    """How each name the file binds at its top level gets its value: "def", "class", "import", "constant" (assigned
    once, from a literal number, string, bool or None, or a tuple of them) or "other" (assigned from anything else,
    more than once, or inside a block). A value that is not fixed when the module loads is "other"."""
    kinds = {}

    def bind(name, kind):
        kinds[name] = "other" if name in kinds else kind

    def literal(v):
        if isinstance(v, ast.Constant):
            return True
        if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub) and isinstance(v.operand, ast.Constant):
            return True
        return isinstance(v, ast.Tuple) and all(literal(e) for e in v.elts)

    for st in tree.body:
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bind(st.name, "def")
        elif isinstance(st, ast.ClassDef):
            bind(st.name, "class")
        elif isinstance(st, (ast.Import, ast.ImportFrom)):
            for a in st.names:
                bind(a.asname or a.name.split(".")[0], "import")
        elif isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            bind(st.targets[0].id, "constant" if literal(st.value) else "other")
        else:
            for n in ast.walk(st):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    kinds[n.id] = "other"
                elif isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                    kinds[n.name] = "other"
                elif isinstance(n, (ast.Import, ast.ImportFrom)):
                    for a in n.names:
                        kinds[a.asname or a.name.split(".")[0]] = "other"
    # A function that declares a name global may rebind it at any time.
    for n in ast.walk(tree):
        if isinstance(n, ast.Global):
            for name in n.names:
                kinds[name] = "other"
    return kinds


def constant_types(tree, kinds):
    """The type of each name the module binds once to a number, a bool or a tuple of numbers of one type (kinds says
    "constant"): int, float, bool, tuple[int], tuple[float]. The compiled code reads the value at each call and checks
    this type there; the type is all the compiler takes from here."""
    def scalar(v):
        neg = isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub)
        c = v.operand if neg else v
        if not isinstance(c, ast.Constant) or type(c.value) not in (int, float, bool):
            return None
        return "int" if neg and type(c.value) is bool else type(c.value).__name__

    out = {}
    for st in tree.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            name = st.targets[0].id
            if kinds.get(name) != "constant":
                continue
            if isinstance(st.value, ast.Tuple):
                es = {scalar(e) for e in st.value.elts}
                if len(es) == 1 and es <= {"int", "float"}:
                    out[name] = "tuple[%s]" % es.pop()
            elif scalar(st.value):
                out[name] = scalar(st.value)
    return out


def top_level(tree):
    """The file's top-level functions, imports (local name -> dotted module path) and other assigned names."""
    functions, imports, assigned = {}, {}, []
    for st in tree.body:
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[st.name] = st
        elif isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    imports[a.asname] = a.name
                else:
                    imports[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(st, ast.ImportFrom) and st.module and st.level == 0:
            for a in st.names:
                imports[a.asname or a.name] = st.module + "." + a.name
        elif isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        assigned.append(n.id)
    return functions, imports, assigned


def class_members(cls):
    """What a class body binds, by name: "def" (a method), "property" (a def under @property or another decorator:
    Python code runs where it is read), or "attribute" (a class-level value), each with its line; and whether the
    class defines how attributes are read or written (__getattribute__, __getattr__, __setattr__, __delattr__)."""
    out = {}
    for st in cls.body:
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[st.name] = {"kind": "property" if st.decorator_list else "def", "line": st.lineno}
        elif isinstance(st, (ast.Assign, ast.AnnAssign)):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out[n.id] = {"kind": "slots" if n.id == "__slots__" else "attribute", "line": st.lineno}
    return out


def export(source, filename, name):
    tree = ast.parse(source, filename)
    functions, imports, assigned = top_level(tree)
    method = None
    if "." in name:
        # A method, `Class.method`: a def in a class at the top level, lowered with self's attributes as hidden
        # arguments. Its entry is named Class_method, apart from the file's functions, which its calls still name.
        cls_name, _, meth = name.partition(".")
        cls = next((st for st in tree.body if isinstance(st, ast.ClassDef) and st.name == cls_name), None)
        fn = next((st for st in cls.body if isinstance(st, ast.FunctionDef) and st.name == meth), None) if cls else None
        if fn is None:
            return {"ok": False, "line": 1, "column": 1,
                    "message": "no method named '%s' in a class at the top level of %s" % (name, filename)}
        key = "%s_%s" % (cls_name, meth)
        if key in functions:
            return {"ok": False, "line": fn.lineno, "column": fn.col_offset + 1,
                    "message": "the file has a function named %s, the name the compiled %s would take" % (key, name)}
        # start: the first line of the class statement, its decorators included.
        start = min([cls.lineno] + [d.lineno for d in cls.decorator_list])
        method = {"class": cls_name, "method": meth, "line": cls.lineno, "start": start, "members": class_members(cls)}
        functions = dict(functions)
        functions[key] = fn
        name = key
    elif name not in functions:
        return {"ok": False, "line": 1, "column": 1,
                "message": "no function named '%s' at the top level of %s" % (name, filename)}
    # The entry function and, transitively, the file's functions it calls.
    wanted, todo = [], [name]
    while todo:
        n = todo.pop()
        if n in wanted:
            continue
        wanted.append(n)
        todo.extend(sorted(c for c in called_names(functions[n]) if c in functions and c not in wanted))
    return {
        "ok": True,
        "entry": name,
        "functions": {n: node_json(functions[n]) for n in wanted},
        "imports": imports,
        "globals": sorted(set(assigned)),
        "moduleValues": module_values(tree),
        "moduleConstants": constant_types(tree, module_values(tree)),
        "python": sys.version.split()[0],
        **({"method": method} if method else {}),
    }


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: perf_lab_ast.py FILE FUNCTION\n")
        return 2
    path, name = argv[1], argv[2]
    try:
        with open(path, "rb") as f:
            source = f.read()
        result = export(source, path, name)
    except SyntaxError as e:
        result = {"ok": False, "line": e.lineno or 1, "column": e.offset or 1, "message": "syntax error: %s" % e.msg}
    except OSError as e:
        result = {"ok": False, "line": 1, "column": 1, "message": "cannot read %s: %s" % (path, e.strerror)}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
