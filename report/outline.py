"""The report's outline: its numbered headings, figures and tables, and the cross-references between them.

No number is typed into a template or a translation. The template declares
each heading, figure and table here as it renders (through the macros of
templates/macros.html.j2) and refers to them by id; the outline numbers them
in document order. A reference may come before what it refers to ("per-digit
accuracy (Table 6)" in section 2), so the page is rendered twice: the first
pass records the outline, the second reads every number from it. A section,
figure or table added to the template later is numbered correctly without
touching any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.errors import RenderError

KINDS = ("figure", "table")


@dataclass(frozen=True)
class Heading:
    """One entry of the table of contents."""

    level: int  # 2 for a section, 3 for a subsection
    id: str
    number: str | None  # "8.1"; None for an unnumbered heading (the appendix)
    title: str


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can point at: a figure or a table."""

    kind: str
    id: str
    number: int


class Outline:
    """Numbers headings, figures and tables in the order they are declared.

    The first rendering pass uses ``Outline()``; references then resolve to a
    placeholder. The second uses ``Outline(first_pass)``, whose references
    resolve to the first pass's numbers, and must declare the same outline.
    """

    def __init__(self, previous: Outline | None = None):
        self._previous = previous
        self.headings: list[Heading] = []
        self.targets: dict[str, Target] = {}
        self._counts = dict.fromkeys(KINDS, 0)
        self._sections = 0
        self._subsections = 0
        self._in_numbered_section = False
        self._ids: set[str] = set()

    @property
    def contents(self) -> list[Heading]:
        """Every heading of the document, for its table of contents; empty in the first pass, which cannot know them."""
        return self._previous.headings if self._previous is not None else []

    def heading(self, level: int, id: str, title: str, numbered: bool = True) -> Heading:
        """Declare a heading (2: section, 3: subsection) and return it with its number."""
        if level not in (2, 3):
            raise RenderError(f"heading {id!r}: the outline holds levels 2 and 3, not {level}")
        number = None
        if level == 2:
            self._sections += numbered
            self._subsections = 0
            self._in_numbered_section = numbered
            number = str(self._sections) if numbered else None
        elif numbered:
            if not self._in_numbered_section:
                raise RenderError(f"heading {id!r}: a numbered subsection needs a numbered section before it")
            self._subsections += 1
            number = f"{self._sections}.{self._subsections}"
        heading = Heading(level, self._claim(id), number, title)
        self.headings.append(heading)
        return heading

    def declare(self, kind: str, id: str) -> Target:
        """Declare a figure or table; it takes the next number of its kind."""
        if kind not in KINDS:
            raise RenderError(f"{id!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        self._counts[kind] += 1
        target = Target(kind, self._claim(id), self._counts[kind])
        self.targets[id] = target
        if self._previous is not None and self._previous.targets.get(id) != target:
            raise RenderError(f"{kind} {id!r} was numbered differently in the two rendering passes")
        return target

    def reference(self, id: str) -> Target:
        """The figure or table ``id`` refers to, wherever in the document it is declared."""
        if self._previous is None:
            return Target("figure", id, 0)  # a placeholder; the second pass knows the number
        target = self._previous.targets.get(id)
        if target is None:
            raise RenderError(f"a cross-reference points at {id!r}, which no figure or table declares")
        return target

    def _claim(self, id: str) -> str:
        if id in self._ids:
            raise RenderError(f"the id {id!r} is declared twice in the report")
        self._ids.add(id)
        return id
