#!/usr/bin/env python3
"""NEWS.md keeps up with the ABI: every exported symbol of each version map is named in the NEWS
section of the release its node belongs to, every `@since X.Y` of the installed headers has a
section, and so has the project version."""
import re
import sys

news_path, version, headers, maps = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4].split(',')
news = open(news_path).read()
sections = {}
for m in re.finditer(r'^## (\d+\.\d+)\s*$(.*?)(?=^## |\Z)', news, re.S | re.M):
    sections[m.group(1)] = m.group(2)

errors = []
release = '.'.join(version.split('.')[:2])
if release not in sections:
    errors.append(f'no "## {release}" section for the project version {version}')
for path in maps:
    for m in re.finditer(r'LIBKTLS\w*?_(\d+\.\d+)\s*\{(.*?)\}', open(path).read(), re.S):
        node_release, body = m.group(1), m.group(2).split('local:')[0]
        for sym in re.findall(r'\b(ktls_\w+)\s*;', body):
            if not re.search(r'\b' + sym + r'\b', sections.get(node_release, '')):
                errors.append(f'{sym} ({path}, node {node_release}) is not named under "## {node_release}"')
for path in headers:
    for since in sorted(set(re.findall(r'@since (\d+\.\d+)', open(path).read()))):
        if since not in sections:
            errors.append(f'{path} has @since {since}, NEWS.md no "## {since}" section')
for e in errors:
    print('FAIL: ' + e)
if not errors:
    print(f'ok: NEWS.md names every exported symbol by release, and has {", ".join(sorted(sections))}')
sys.exit(1 if errors else 0)
