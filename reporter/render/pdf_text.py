"""Text in the PDF: every text is cut to a bounded length, and file names may break at "/" and "_".

WeasyPrint's layout time grows fast with the length of a text, above all with a long run of
characters without a space (a deeply nested JSON tag, a 1 MiB value): such a text is cut, with a
note that the workbook and the lineage file hold it whole.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

TEXT_CHARS = 2000  # the most characters of one text the PDF shows in one place
WORD_CHARS = 200  # the longest run without a space it shows (layout time grows fast with it)
CLIPPED = "… (cut; the full text is in the workbook and the lineage file)"
_LONG_WORD = re.compile(r"\S{" + str(WORD_CHARS + 1) + "}")


def clip(value: Any) -> Any:
    """Text cut after TEXT_CHARS characters, or inside a run of more than WORD_CHARS characters
    without a space, with a note where the full text is: a huge value from the inputs (a tag, a
    name) keeps the layout time bounded. Markup the report itself made (charts, `breakable`) and
    values that are not text are left as they are."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    cut = min(len(value), TEXT_CHARS)
    if (word := _LONG_WORD.search(value, 0, cut + WORD_CHARS + 1)) is not None:
        cut = min(cut, word.start() + WORD_CHARS)
    return value if cut >= len(value) else value[:cut] + CLIPPED


def breakable(text: str) -> Markup:
    """`text` clipped and escaped, with line-break opportunities after "/" and "_" for long file names."""
    escaped = str(escape(clip(str(text))))
    return Markup(escaped.replace("/", "/<wbr>").replace("_", "_<wbr>"))
