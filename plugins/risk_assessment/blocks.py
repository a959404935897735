"""Body blocks of core's documents for tables, figures and a table of contents."""
from core.documents import services as documents


def table(columns, rows) -> list:
    if "table" in documents.BLOCK_KINDS:
        return [("table", {"columns": list(columns), "rows": [list(r) for r in rows]})]
    return [("p", "；".join(f"{c}：{v}" for c, v in zip(columns, row))) for row in rows]


def figure(svg: str, caption: str) -> list:
    if "figure" in documents.BLOCK_KINDS:
        return [("figure", {"svg": svg, "caption": caption})]
    return []


def contents() -> list:
    if "contents" in documents.BLOCK_KINDS:
        return [("contents", "")]
    return []
