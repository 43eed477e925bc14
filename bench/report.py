"""Write docs/performance.md's summary table from bench/results/*.json, and each benchmark's
section from bench/sections/<id>.md (what it measures, its reference, and the speed work with
figures before and after, written by hand).

    .venv/bin/python bench/report.py

The generated parts sit between markers in docs/performance.md; everything else in the file
(older runs, kept as history) is left as it is.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
SECTIONS = ROOT / "bench" / "sections"
IDS = ["B1", "B2", "B3", "B4", "B5", "B6", "B7"]


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def size(result: dict) -> str:
    """The data a result was measured on, in a few words: the data set's scale, or the
    benchmark's own size."""
    scale = result.get("scale") or {}
    named = scale.get("scale") or scale.get("name")
    if named:
        return f"{named} data set"
    if "rows" in scale:
        return f"{scale['rows']:,} rows"
    if "recipients" in scale:
        return f"{scale['recipients']:,} recipients"
    return "own data"


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "—"}[met]


def summary(results: list[dict]) -> str:
    lines = ["| id | workload | measure | Vigil | reference | ratio | goal | |",
             "|---|---|---|---:|---:|---:|---|---|"]
    for result in results:
        for index, row in enumerate(result["rows"]):
            first = index == 0
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                f"[{result['id']}](#{result['id'].lower()})" if first else "",
                result["title"] if first else "",
                row["name"], number(row["vigil"], row["unit"]),
                number(row["reference"], row["unit"]),
                f"{row['ratio']:.2f}\u00d7" if row.get("ratio") is not None else "—",
                row["goal"], verdict(row["met"])))
    runs = sorted({(r["date"][:10], r["machine"], r["database"]) for r in results})
    lines.append("")
    for date, where, database in runs:
        ids = ", ".join(f"{r['id']} ({size(r)})" for r in results
                        if (r["date"][:10], r["machine"], r["database"]) == (date, where, database))
        lines.append(f"- {ids}: measured {date} on {where}, {database}.")
    missing = [i for i in IDS if i not in {r["id"] for r in results}]
    if missing:
        lines.append(f"- Not measured in this run: {', '.join(missing)}.")
    gaps = [r for r in results if r.get("gap")]
    if gaps:
        lines.append("")
        lines.append("Goals missed, and why:")
        lines.append("")
        for r in gaps:
            lines.append(f"- **{r['id']}**: {r['gap']}")
    return "\n".join(lines)


def replace(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, text,
                      flags=re.S)
    return text.rstrip() + "\n\n" + block + "\n"


def main() -> None:
    results = []
    for ident in IDS:
        path = RESULTS / f"{ident}.json"
        if path.exists():
            results.append(json.loads(path.read_text()))
    text = DOC.read_text()
    text = replace(text, "summary", summary(results))
    for ident in IDS:
        section = SECTIONS / f"{ident}.md"
        if section.exists():
            text = replace(text, ident, section.read_text())
    DOC.write_text(text)
    print(f"wrote {DOC.relative_to(ROOT)} from {len(results)} results")


if __name__ == "__main__":
    main()
