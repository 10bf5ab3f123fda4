"""The manual-entry workbook's words in the template's language (`reporter template --lang ko`).

Sheet names, header keys and the codes of the lists (own, colocated, GO, yes, no …) stay in
English in every language: they are what the reader matches. A template in another language than
English adds, below the header, a row of column names in that language (the label row), and writes
its instructions, header comments, validation messages, sheet notes and descriptive examples in
that language. The reader (reporter.workbook.filled) skips a label row and recognises a translated
example row as the example; so a filled Korean template reads exactly as an English one.

The English texts are the message ids of the catalogs (reporter/data/locale); the column names
of the label row are the `LABELS` below (one per sheet and key, since a key such as `type` means
different things on different sheets).
"""

from __future__ import annotations

from functools import cache

from reporter.i18n import DEFAULT, LANGUAGES, N_, Language, language
from reporter.workbook import schema
from reporter.workbook.schema import Column, Sheet

_DATES = {"month": N_("month"), "start": N_("start date"), "end": N_("end date")}
_RATES = {"region": N_("market region"), "g_co2e_per_kwh": N_("emission rate, gCO2e/kWh"), "year": N_("data year"),
          "source": N_("source")}
_COLUMN_LABELS: dict[str, dict[str, str]] = {
    "Electricity": {
        "site": N_("site name"), "region": N_("country or grid region"), **_DATES,
        "energy_kwh": N_("electricity, kWh"), "meter_id": N_("meter id"), "hosting": N_("own or colocated"),
        "pue": N_("PUE of the site (IT-only meter)"), "source_document": N_("source document"),
    },
    "Compute usage": {
        "provider": N_("provider or site"), "region": N_("region or country"), **_DATES, "unit": N_("unit"),
        "hours": N_("hours"), "type": N_("instance or accelerator type"), "team": N_("team"),
        "project": N_("project"), "model": N_("AI model"), "source_document": N_("source document"),
        "pue": N_("PUE of the site"),
    },
    "Instruments": {
        "type": N_("instrument type"), "mwh": N_("MWh covered"), "region": N_("market region"),
        "vintage": N_("generation year"), "certificate_id": N_("certificate id"), "start": N_("start date"),
        "end": N_("end date"), "supplier": N_("supplier"), "bundled": N_("bought with the electricity"),
    },
    "Supplier rates": _RATES,
    "Residual mix": _RATES,
    "Credits": {
        "year": N_("year counted"), "tco2e": N_("tonnes CO2e"), "type": N_("credit type"),
        "registry_id": N_("registry serial number"), "registry": N_("registry"), "project": N_("credit project"),
        "retired": N_("retired"),
    },
    "Targets": {
        "name": N_("target name"), "kind": N_("target kind"), "target_year": N_("target year"),
        "reduction_pct": N_("reduction, %"), "scope2_method": N_("Scope 2 method"),
    },
    "Baseline": {
        "year": N_("base year"), "location_based_tco2e": N_("location-based emissions, tCO2e"),
        "market_based_tco2e": N_("market-based emissions, tCO2e"),
    },
    "Organisation": {
        "name": N_("organisation name"), "slug": N_("short name"), **_DATES, "lei": N_("LEI"),
        "scope1_tco2e": N_("Scope 1 emissions, tCO2e"), "net_revenue_eur": N_("net revenue, EUR"),
        "energy_mix_mwh.fossil": N_("fossil energy, MWh"), "energy_mix_mwh.nuclear": N_("nuclear energy, MWh"),
        "energy_mix_mwh.renewable": N_("renewable energy, MWh"),
    },
}
SCOPE3_LABEL = N_("Scope 3 category %(number)s, tCO2e")

TITLE = N_("Manual-entry workbook")
SUBJECT = N_("manual entry of energy, instruments and targets")
LINES = (
    N_("Fill in the sheets you need and give the file to `reporter report` like any other input."),
    N_("Row 1 of each sheet is the header; row 2 is an example in grey: overwrite or delete it (left as it is, it "
       "is not read)."),
    N_("Orange headers are required in every filled row. Empty sheets are ignored."),
    N_("Electricity and Compute usage rows are usage (counted in the report's ledger); the other sheets are the "
       "same settings as the configuration file's sections. A value given both here and in the configuration is "
       "an error naming both places."),
    N_("Compute usage: give instance-hours where the invoice names the instance type (the whole machine, its GPUs "
       "included); otherwise GPU-hours by GPU model (the host's share per GPU is added). Never both for the same "
       "usage."),
    N_("Dates as dates (or YYYY-MM-DD); months as YYYY-MM; numbers as numbers, without units."),
)
# A labelled template (any language but English) says where its label row is, in place of LINES[1].
LABELLED_LAYOUT = (
    N_("Row 1 of each sheet is the header: the column keys the workbook is read by, in English. Row 2 names the "
       "columns in this language and is not read. Row 3 is an example in grey: overwrite or delete it (left as "
       "it is, it is not read)."),
    N_("Keep the sheet names, the header row and the codes of the drop-down lists (own, colocated, GO, yes, no …) "
       "as they are: they are read as written."),
)
HEADINGS = (N_("Sheet"), N_("Column"), N_("Required"), N_("Type"), N_("Allowed values"), N_("Meaning"))
LABEL_HEADING = N_("Name")
YES, NO, REQUIRED = N_("yes"), N_("no"), N_("required")
KINDS = {
    schema.TEXT: N_("text"), schema.NUMBER: N_("number"), schema.YEAR: N_("year"), schema.DATE: N_("date"),
    schema.MONTH: N_("month (YYYY-MM)"), schema.YES_NO: N_("yes/no"), schema.CHOICE: N_("one of the list"),
}


def labelled(lang: Language) -> bool:
    """Whether a template in `lang` has a label row (every language but English)."""
    return lang.code != DEFAULT


def label(sheet: Sheet, column: Column) -> str:
    """The column's name in words (English: the message id of its label)."""
    if column.key.startswith("scope3_tco2e."):
        return SCOPE3_LABEL % {"number": column.key.rsplit(".", 1)[1]}
    return _COLUMN_LABELS[sheet.name][column.key]


def kind_text(column: Column, lang: Language) -> str:
    """The column's type in words, with its bounds: 'number ≥ 1, ≤ 5'."""
    bounds = ""
    if column.kind in (schema.NUMBER, schema.YEAR) and column.minimum is not None:
        bounds = f" ≥ {column.minimum:g}" + (f", ≤ {column.maximum:g}" if column.maximum is not None else "")
    if labelled(lang):
        return lang.gettext(KINDS[column.kind]) + bounds
    # English names a plain kind by its own name (text, number, date, month, year).
    return (KINDS[column.kind] if column.kind in (schema.YES_NO, schema.CHOICE) else column.kind) + bounds


def example(column: Column, lang: Language) -> object:
    """The column's example in `lang`: a text column's (a site, a document) translated; codes of lists,
    months and numbers as they are."""
    value = column.example
    return lang.gettext(value) if isinstance(value, str) and column.kind == schema.TEXT else value


@cache
def label_row_names(sheet_name: str, key: str) -> tuple[str, ...]:
    """What a label row may hold in the column `key` of the sheet: its label in each language but English."""
    sheet = schema.BY_NAME[sheet_name]
    column = next(c for c in sheet.columns if c.key == key)
    return tuple(language(code).translate(label(sheet, column)) for code in LANGUAGES if code != DEFAULT)


def is_label(sheet_name: str, key: str, value: object) -> bool:
    """Whether `value` is the column's name as a label row holds it (spaces and case aside)."""
    return isinstance(value, str) and any(_fold(value) == _fold(name) for name in label_row_names(sheet_name, key))


@cache
def example_texts(sheet_name: str, key: str) -> frozenset[str]:
    """The column's example as each language's template writes it (the English first among equals)."""
    sheet = schema.BY_NAME[sheet_name]
    column = next(c for c in sheet.columns if c.key == key)
    return frozenset(str(example(column, language(code))) for code in LANGUAGES)


def _fold(text: str) -> str:
    return " ".join(text.split()).lower()
