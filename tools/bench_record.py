#!/usr/bin/env python3
"""Part of `make bench`: writes the tables of this run into BENCHMARKS.md.

Each table sits between two markers in BENCHMARKS.md,

    <!-- make bench: NAME -->
    ...
    <!-- /make bench: NAME -->

and is replaced by the file .tools/bench-NAME.md that the bench scripts
wrote in this run. A missing file or marker is an error, so a run never
leaves half of the document from an older one without saying so.

    python3 tools/bench_record.py [BENCHMARKS.md] [.tools]
"""

import pathlib
import re
import sys

NAMES = ("results", "startup", "round-trips")


def main() -> int:
    doc = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "BENCHMARKS.md")
    tables = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".tools")
    text = doc.read_text()
    for name in NAMES:
        table = tables / f"bench-{name}.md"
        if not table.is_file():
            print(f"bench_record: {table} is missing; {doc} left unchanged", file=sys.stderr)
            return 1
        pattern = re.compile(
            rf"(<!-- make bench: {re.escape(name)} -->\n).*?(<!-- /make bench: {re.escape(name)} -->)",
            re.DOTALL,
        )
        if not pattern.search(text):
            print(f"bench_record: no '{name}' markers in {doc}; left unchanged", file=sys.stderr)
            return 1
        body = table.read_text().strip() + "\n"
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text, count=1)
    doc.write_text(text)
    print(f"bench_record: {doc} holds this run's tables ({', '.join(NAMES)})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
