#!/usr/bin/env python3
"""The exported ABI agrees with itself: every LIBKTLS_API function of the header is in the version
map and exported from the shared library under that version, nothing else is exported, each map
node is sorted, and the newest node is not newer than the project version. And what the library needs from
libc is what every libc has had for years: no GNU-only (_np) function, nothing newer than
glibc 2.28 (Debian 10), so one build runs everywhere the dependencies do."""
import re
import subprocess
import sys

header, mapfile, solib, version = sys.argv[1:5]
prefix = sys.argv[5] if len(sys.argv) > 5 else 'LIBKTLS'  # LIBKTLS_OPENSSL for a companion

declared = set(re.findall(r'LIBKTLS_API[^;{]*?\b(ktls_\w+)\s*\(', open(header).read(), re.S))

nodes = []  # (name, [symbols])
for m in re.finditer(prefix + r'_([\d.]+)\s*\{(.*?)\}', open(mapfile).read(), re.S):
    body = m.group(2)
    glob = body.split('local:')[0]
    syms = re.findall(r'\b(ktls_\w+)\s*;', glob)
    nodes.append((f'{prefix}_{m.group(1)}', syms))
mapped = {s for _, syms in nodes for s in syms}

out = subprocess.run(['nm', '-D', '--defined-only', solib], capture_output=True, text=True, check=True).stdout
exported = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TtDdBbRrVvWwi':
        name, _, ver = parts[2].partition('@@')
        if not name.startswith('LIBKTLS_'):
            exported[name] = ver or '(unversioned)'

errors = []
undefined = subprocess.run(['nm', '-D', '--undefined-only', solib], capture_output=True, text=True,
                           check=True).stdout.split()
for sym in undefined:
    name, _, ver = sym.partition('@')
    m = re.fullmatch(r'GLIBC_2\.(\d+)(?:\.\d+)?', ver)
    if name.endswith('_np') or (m and int(m.group(1)) > 28):
        errors.append(f'{sym}: needed from libc, but not in every libc (GNU-only, or glibc after 2.28)')
for s in sorted(declared - mapped):
    errors.append(f'{s}: declared LIBKTLS_API in the header but missing from {mapfile}')
for s in sorted(mapped - declared):
    errors.append(f'{s}: in the version map but not declared LIBKTLS_API in the header')
for s in sorted(set(exported) - mapped):
    errors.append(f'{s}: exported by {solib} but not in the version map (visibility leak)')
for s in sorted(mapped - set(exported)):
    errors.append(f'{s}: in the version map but not exported by {solib}')
for node, syms in nodes:
    if syms != sorted(syms):
        errors.append(f'{node}: symbols not in alphabetical order')
    for s in syms:
        if s in exported and exported[s] != node:
            errors.append(f'{s}: exported as {exported[s]}, map says {node}')
# A release that adds API adds a node named after it; one that adds none needs none.
release = tuple(int(x) for x in version.split('.')[:2])
newest = tuple(int(x) for x in nodes[-1][0].rsplit('_', 1)[1].split('.')) if nodes else None
if not nodes or newest > release:
    errors.append(f'newest map node {nodes[-1][0] if nodes else None} is newer than the project version {version}')

for e in errors:
    print('FAIL:', e)
print(f'{len(declared)} declared, {len(mapped)} mapped, {len(exported)} exported')
sys.exit(1 if errors else 0)
