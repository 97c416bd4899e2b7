"""`python -m bench.hot FILE... [N]`: where the samples of a py-spy raw profile went.

Prints the N functions with the most samples anywhere on the stack (inclusive) and
on top of it (exclusive), as shares of all samples in FILE.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(paths: list[str], top: int = 30) -> str:
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in (line for path in paths for line in open(path, encoding="utf-8", errors="replace")):
        if True:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = [_name(f) for f in stack.split(";") if f.strip()]
            if frames and frames[0].startswith("process ") or frames and frames[0].startswith("thread "):
                frames = frames[1:]
            total += n
            for name in set(frames):
                inclusive[name] += n
            if frames:
                exclusive[frames[-1]] += n
    out = [f"{', '.join(paths)}: {total} samples"]
    for title, counter in (("inclusive", inclusive), ("exclusive (self)", exclusive)):
        out.append(f"-- {title}")
        for name, n in counter.most_common(top):
            out.append(f"{n / max(1, total):6.1%}  {name}")
    return "\n".join(out)


if __name__ == "__main__":
    args = sys.argv[1:]
    top = int(args.pop()) if args and args[-1].isdigit() else 30
    print(summarise(args, top))
