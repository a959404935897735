"""Body blocks of core's documents for tables, figures and a table of contents
(``core.documents.blocks``), built from plain values."""


def table(columns, rows) -> list:
    return [("table", {"columns": [str(c) for c in columns], "rows": [[str(v) for v in r] for r in rows]})]


def figure(svg: str, caption: str) -> list:
    return [("figure", {"svg": svg, "caption": caption})]


def contents() -> list:
    return [("contents", "")]
