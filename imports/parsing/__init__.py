"""Reading messy council spreadsheets. Pure Python: nothing here touches the database.

Why our own parser rather than django-import-export for imports: import-export expects the
header in row 1, one fixed column name per field and one row per object. Council plans have
title blocks above the header, synonyms ("Who?", "Lead officer"), theme heading rows, merged
recommendation cells, notes rows and colour-key sheets, so the rows must be understood before
they can be mapped to models. Exports have none of that mess, so they use import-export's
Resources (see imports/exports.py).
"""

from imports.parsing.workbook import Cell, FileRefused, Sheet, read_workbook  # noqa: F401
