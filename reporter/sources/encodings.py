"""Which legacy encoding a file that is not UTF-8 is in: Korean (cp949) or Western European."""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterable

HANGUL = re.compile("[\uac00-\ud7a3]")
NON_ASCII = re.compile("[^\x00-\x7f]")


def guess_legacy(chunks: Iterable[bytes]) -> str:
    """cp949 if the bytes read as Korean text in it, else cp1252, else latin-1."""
    korean = codecs.getincrementaldecoder("cp949")()
    western = codecs.getincrementaldecoder("cp1252")()
    fits_korean = fits_western = True
    core = non_ascii = 0
    core_syllables: dict[str, bool] = {}
    for chunk in itertools.chain(chunks, [b""]):
        final = not chunk
        if fits_korean:
            try:
                text = korean.decode(chunk, final=final)
            except UnicodeDecodeError:
                fits_korean = False
            else:
                non_ascii += len(NON_ASCII.findall(text))
                for syllable in HANGUL.findall(text):
                    if syllable not in core_syllables:
                        core_syllables[syllable] = _in_ksx1001(syllable)
                    core += core_syllables[syllable]
        if fits_western:
            try:
                western.decode(chunk, final=final)
            except UnicodeDecodeError:
                fits_western = False
    if fits_korean and non_ascii and core >= 0.8 * non_ascii:
        return "cp949"
    return "cp1252" if fits_western else "latin-1"


def _in_ksx1001(syllable: str) -> bool:
    try:
        syllable.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True
