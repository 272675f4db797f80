"""Files that open right in spreadsheets (Excel, LibreOffice Calc under vi-VN): xlsx sheets with
title rows, measured widths, row heights and print setup (sheets.py); CSV in two dialects at the
precision a page shows (csv_dialects.py)."""
