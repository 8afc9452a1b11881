#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Names the addresses of insn-count.c's counts by block (blocks=1) and prints instructions by file and by symbol:
one run, or a run minus another (the same run with no workload), divided by a count (MiB).

usage: insn-profile.py RUN [BASE] [--per N] [--top K]
A RUN directory holds `counts` (the plugin's output), `kallsyms` (the guest's, read as root)
and `maps.*` (/proc/PID/maps of the guest's processes, taken with ASLR off, so that processes
of one program share addresses). User addresses are named by file and the nearest dynamic
symbol before them (Debian's binaries keep no others): read a name as "in or after". Where the
processes' maps disagree about an address, a file mapping wins over an anonymous one.
"""
import argparse
import bisect
import collections
import glob
import os
import subprocess

KERNEL = 0xffff800000000000


def kernel_symbols(run):
    syms = []
    with open(os.path.join(run, 'kallsyms')) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in 'tT':
                syms.append((int(p[0], 16), p[2] + (' ' + p[3] if len(p) > 3 else '')))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def mappings(run):
    maps = set()
    for path in glob.glob(os.path.join(run, 'maps.*')):
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 5 or 'x' not in p[1]:
                    continue
                start, end = (int(x, 16) for x in p[0].split('-'))
                maps.add((start, end, int(p[2], 16), p[5] if len(p) > 5 else '[anonymous]'))
    return sorted(maps)


dynamic_cache = {}


def dynamic_symbols(path):
    if path not in dynamic_cache:
        syms = set()
        out = subprocess.run(['nm', '-D', '--defined-only', path], capture_output=True, text=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) >= 3 and p[1] in 'tTwWiI':
                syms.add((int(p[0], 16), p[2]))
        syms = sorted(syms)
        dynamic_cache[path] = ([a for a, _ in syms], [n for _, n in syms])
    return dynamic_cache[path]


def profile(run):
    kaddr, kname = kernel_symbols(run)
    maps = mappings(run)
    starts = [m[0] for m in maps]
    counts = collections.Counter()
    with open(os.path.join(run, 'counts')) as f:
        for line in f:
            address, instructions, runs = line.split()
            address = int(address, 16)
            n = int(instructions) * int(runs)
            if address >= KERNEL:
                i = bisect.bisect_right(kaddr, address) - 1
                counts[('[kernel]', kname[i] if i >= 0 else '?')] += n
                continue
            hits = [m for m in maps[:bisect.bisect_right(starts, address)] if m[1] > address]
            hits.sort(key=lambda m: not m[3].startswith('/'))
            if not hits:
                counts[('[unmapped]', '')] += n
            elif not hits[0][3].startswith('/'):
                counts[(hits[0][3], '')] += n
            else:
                start, _, offset, path = hits[0]
                addrs, names = dynamic_symbols(path)
                # executable segments of Debian's objects are mapped at their file offset
                i = bisect.bisect_right(addrs, address - start + offset) - 1
                counts[(os.path.basename(path), names[i] if i >= 0 else '?')] += n
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('run')
    ap.add_argument('base', nargs='?')
    ap.add_argument('--per', type=float, default=1.0)
    ap.add_argument('--top', type=int, default=40)
    args = ap.parse_args()
    counts = profile(args.run)
    if args.base:
        counts.subtract(profile(args.base))
    files = collections.Counter()
    for (file, _), n in counts.items():
        files[file] += n
    scale = args.per * 1e6
    print('total %.3f M' % (sum(counts.values()) / scale))
    for file, n in sorted(files.items(), key=lambda x: -abs(x[1]))[:12]:
        print('%10.3f M  %s' % (n / scale, file))
    print()
    for (file, name), n in sorted(counts.items(), key=lambda x: -abs(x[1]))[:args.top]:
        print('%10.3f M  %-22s %s' % (n / scale, file[:22], name))


if __name__ == '__main__':
    main()
