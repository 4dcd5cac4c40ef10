"""The one table model every format reader produces: a :class:`Document` is its blocks in reading order,
:class:`Paragraph` (text outside tables) and :class:`Table` (rows × cells).

Spans are resolved when the model is built (:class:`GridBuilder`): a cell covered by a rowspan, colspan,
``vMerge``/``gridSpan`` or a merged range holds the text of the cell it is covered by and is marked a
copy (``copy_of`` = the origin's (row, column)), so a deadline written once for three tasks reaches all
three, and a reader can still tell "written here" from "covered by a span". Line breaks inside a cell
(``<br>``, Word paragraphs, Excel's Alt+Enter) are kept as ``"\\n"``. Every row and paragraph carries
``ref``, where a person finds it in the source ("page 3", "table 2 row 14", "line 120"), for errors and
for the row accounting.
"""

from dataclasses import dataclass, field

from models.domain.text import nfc


def clean(text: str) -> str:
    """Cell/paragraph text as the reader wants it: NFC, spaces collapsed within each line, line breaks
    kept, empty lines dropped."""
    lines = (nfc(part) for part in text.replace("\r", "\n").split("\n"))  # nfc() collapses line breaks too
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    italic: bool = False
    copy_of: tuple[int, int] | None = None  # the origin (row, column) when a span covers this cell


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    ref: str  # where the row is in the source, for people: "table 2 row 5", "page 3 table 1 row 4"

    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]
    ref: str  # "table 2", "page 3 table 1", "sheet Phụ lục I"
    page: int | None = None  # the PDF page the table starts on

    @property
    def ncols(self) -> int:
        return max((len(row.cells) for row in self.rows), default=0)


@dataclass(frozen=True)
class Paragraph:
    text: str
    ref: str
    bold: bool = False
    italic: bool = False


Block = Paragraph | Table


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    source_kind: str  # "docx", "xlsx", "html", "pdf", "markdown"
    notes: tuple[str, ...] = ()  # what the format reader wants said (a converted .doc, a skipped sheet)

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]


@dataclass
class _Origin:
    text: str
    bold: bool
    italic: bool
    row: int
    col: int


@dataclass
class GridBuilder:
    """Builds a table's grid from cells given with their spans (HTML, Word, Excel, PDF all fit):
    ``add(row, text, rowspan=, colspan=)`` places the cell at the first free column of ``row``."""

    grid: dict[tuple[int, int], tuple[_Origin, bool]] = field(default_factory=dict)  # (r, c) → (origin, copy)
    nrows: int = 0

    def add(
        self,
        row: int,
        text: str,
        *,
        rowspan: int = 1,
        colspan: int = 1,
        bold: bool = False,
        italic: bool = False,
        col: int | None = None,
    ) -> int:
        """Place a cell; returns the column it went to."""
        if col is None:
            col = 0
            while (row, col) in self.grid:
                col += 1
        origin = _Origin(clean(text), bold, italic, row, col)
        for r in range(row, row + max(rowspan, 1)):
            for c in range(col, col + max(colspan, 1)):
                if (r, c) not in self.grid:
                    self.grid[(r, c)] = (origin, (r, c) != (row, col))
        self.nrows = max(self.nrows, row + max(rowspan, 1))
        return col

    def extend(self, row: int, col: int) -> bool:
        """Cover (row, col) by the cell above it (Word's ``vMerge`` continue); False when there is none."""
        above = self.grid.get((row - 1, col))
        if above is None:
            return False
        self.grid[(row, col)] = (above[0], True)
        self.nrows = max(self.nrows, row + 1)
        return True

    def rows(self, ref_of: "RefOf") -> tuple[Row, ...]:
        ncols = max((c for _, c in self.grid), default=-1) + 1
        out = []
        for r in range(self.nrows):
            cells = []
            for c in range(ncols):
                placed = self.grid.get((r, c))
                if placed is None:
                    cells.append(Cell(""))
                    continue
                origin, copy = placed
                cells.append(Cell(origin.text, origin.bold, origin.italic, (origin.row, origin.col) if copy else None))
            out.append(Row(tuple(cells), ref_of(r)))
        return tuple(out)


class RefOf:
    """Row references of one table: ``RefOf("table 2")(4)`` → "table 2 row 5"."""

    def __init__(self, prefix: str, first: int = 1, unit: str = "row") -> None:
        self.prefix, self.first, self.unit = prefix, first, unit

    def __call__(self, index: int) -> str:
        return f"{self.prefix} {self.unit} {index + self.first}".strip()


__all__ = ["Block", "Cell", "Document", "GridBuilder", "Paragraph", "RefOf", "Row", "Table", "clean"]
