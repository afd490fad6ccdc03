"""Reading the web client's pages back into data, for comparing them with the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Marked:
    """What a page marks with data attributes: shown fields, withheld fields, links, boxes."""

    shown: set[tuple[str, str]] = field(default_factory=set)
    withheld: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    boxes: dict[str, dict[str, str | None]] = field(default_factory=dict)
    cells: dict[str, list[str]] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.marked = Marked()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        key = (a.get("data-note") or "", a.get("data-field") or "")
        if "data-cell" in a:
            self.marked.cells[str(a["data-cell"])] = (a.get("data-reasons") or "").split()
        elif "data-reasons" in a:
            self.marked.withheld[key] = (a["data-reasons"] or "").split()
        elif "data-field" in a:
            self.marked.shown.add(key)
        for name in ("href", "action", "src"):
            if a.get(name):
                self.marked.links.append(str(a[name]))
        if tag == "input" and a.get("type") == "checkbox" and a.get("name") == "tick":
            self.marked.boxes[str(a.get("value"))] = a


def read(html: str) -> Marked:
    """The data a page marks."""
    reader = _Reader()
    reader.feed(html)
    return reader.marked
