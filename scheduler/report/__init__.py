"""What planners and MES systems read: Gantt charts (plotly), the KPI report with its lateness
explanation, spreadsheets in and out (openpyxl, CSV), and the ISA-95 / B2MML schedule export.

Reads a `Problem` and a verified `Schedule` (or a schedule file); never solves.
"""
