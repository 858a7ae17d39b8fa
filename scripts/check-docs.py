#!/usr/bin/env python3
"""Fails when a public declaration in Sources/ has no `///` doc
comment (swift-format's AllPublicDeclarationsHaveDocumentation, for the
surface other targets and users rely on). Prints file:line: declaration.

Usage: scripts/check-docs.py [ROOT]   (default: the repository)
"""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DECL = re.compile(r'^\s*(?:@[\w().:, "]+\s+)*(?:(?:public|open)\s+)(?:(?:static|class|final|mutating|nonmutating|override|lazy|convenience|required|indirect|nonisolated(?:\(unsafe\))?)\s+)*(struct|enum|class|actor|protocol|func|var|let|init|typealias|subscript|case)\b')
missing = []
for dirpath, _, files in os.walk(os.path.join(root, "Sources")):
    for name in sorted(files):
        if not name.endswith(".swift"):
            continue
        path = os.path.join(dirpath, name)
        lines = open(path, encoding="utf-8").read().split("\n")
        for i, line in enumerate(lines):
            if not DECL.match(line):
                continue
            # Walk back over attributes and blank-free attribute lines to the comment.
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("@"):
                j -= 1
            if j >= 0 and lines[j].strip().startswith("///"):
                continue
            missing.append(f"{os.path.relpath(path, root)}:{i + 1}: {line.strip()}")
for m in missing:
    print(m)
if missing:
    print(f"{len(missing)} public declaration(s) without a /// doc comment", file=sys.stderr)
    sys.exit(1)
print("every public declaration is documented", file=sys.stderr)
