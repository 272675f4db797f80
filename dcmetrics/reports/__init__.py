"""What leaves the software as a file: the annual report to the People's Council (annual, rendered as
PDF by pdf and as editable, printable HTML by html, from one report object), and the files that open
right in spreadsheets (Excel, LibreOffice Calc under vi-VN): xlsx sheets with title rows, measured
widths, row heights and print setup (sheets), CSV in two dialects at the precision a page shows
(csv_dialects), the ranking's export (ranking_export)."""
