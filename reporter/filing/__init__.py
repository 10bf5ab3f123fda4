"""Filing outputs: the report's figures as framework datapoints (ESRS E1, VSME, GRI, CDP, IFRS S2),
the long-format datapoint file, the workbook's filing sheets and inline XBRL."""

from reporter.filing.datapoints import DatapointRow, boundary_statement, datapoint_rows, paste_value

__all__ = ["DatapointRow", "boundary_statement", "datapoint_rows", "paste_value"]
