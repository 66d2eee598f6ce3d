#!/usr/bin/env python3
"""Lists repro's public entry points, one qualified name per line.

An entry point is a function or a public member function (constructors
included) declared in a public header, include/repro/*.hpp, outside the
namespaces named detail. Out-of-class definitions, operators, implicit and
defaulted members are not listed. The names come from clang's JSON dump of
a translation unit that includes every host header.

  entry_points.py [--output FILE] CLANG SOURCE [compiler flags...]
"""
import json
import os
import subprocess
import sys


def dump(clang, source, flags):
    cmd = [clang, "-std=c++17", "-fsyntax-only", *flags, "-Xclang", "-ast-dump=json",
           "-Xclang", "-ast-dump-filter=repro", source]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"entry_points.py: {' '.join(cmd)} failed:\n{run.stderr}")
    # the filter prints one JSON object per top-level 'namespace repro' block
    decoder, text, pos = json.JSONDecoder(), run.stdout, 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return
        if text.startswith("Dumping", pos):
            pos = text.index("\n", pos) + 1
            continue
        node, pos = decoder.raw_decode(text, pos)
        yield node


class walker:
    FUNCTIONS = {"FunctionDecl", "FunctionTemplateDecl", "CXXMethodDecl", "CXXConstructorDecl"}

    def __init__(self):
        self.file = ""  # clang writes a location's file only when it changed since the last one it wrote
        self.names = set()

    def track(self, value):
        if isinstance(value, dict):
            for key, x in value.items():
                if key == "file":
                    self.file = x
                elif key not in ("includedFrom", "inner"):
                    self.track(x)
        elif isinstance(value, list):
            for x in value:
                self.track(x)

    def public_header(self):
        path = os.path.normpath(self.file).replace(os.sep, "/")
        parts = path.split("/")
        return len(parts) >= 2 and parts[-2] == "repro" and path.endswith(".hpp")

    def visit(self, node, scope, listed):
        self.track({k: v for k, v in node.items() if k != "inner"})
        kind, name = node.get("kind"), node.get("name", "")
        keep = listed and not node.get("isImplicit")
        inner_scope, inner_listed = scope, False
        if kind == "NamespaceDecl":
            inner_listed = keep and not name.startswith("detail")
            inner_scope = scope if node.get("isInline") or not name else scope + [name]
        elif kind == "ClassTemplateDecl":
            inner_listed = keep
        elif kind == "CXXRecordDecl" and node.get("completeDefinition"):
            inner_listed = keep
            inner_scope = scope + [name]
        elif kind in self.FUNCTIONS:
            # parentDeclContextId marks an out-of-class definition: its declaration is listed already
            if keep and self.public_header() \
                    and not name.startswith("operator") and not node.get("parentDeclContextId") \
                    and not node.get("explicitlyDefaulted") and not node.get("explicitlyDeleted"):
                if kind == "CXXConstructorDecl" or (scope and name.split("<")[0] == scope[-1]):
                    name = scope[-1]  # a constructor, listed as class::class
                self.names.add("::".join(scope + [name]))
        # a member's access: the last access specifier before it, or the class key's default
        access = "private" if node.get("tagUsed") == "class" else "public"
        for child in node.get("inner", []):
            if child.get("kind") == "AccessSpecDecl":
                access = child.get("access")
            child_listed = inner_listed and access == "public"
            # a class template's record is its only listed child
            if kind == "ClassTemplateDecl" and child.get("kind") != "CXXRecordDecl":
                child_listed = False
            self.visit(child, inner_scope, child_listed)


def main():
    args = sys.argv[1:]
    output = None
    if args[:1] == ["--output"]:
        output, args = args[1], args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    w = walker()
    for node in dump(args[0], args[1], args[2:]):
        w.visit(node, [], True)
    text = "".join(name + "\n" for name in sorted(w.names))
    if output:
        with open(output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
