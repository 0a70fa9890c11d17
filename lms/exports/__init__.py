"""Spreadsheet exports, shared by every one of them: CSV and XLSX written row by row, each
ending with a line that counts its rows, and the admin listings' export (read as plain
values, streamed).

Knows no domain: each listing says which columns it exports and how each is shown.
"""
