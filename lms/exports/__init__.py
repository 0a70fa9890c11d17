"""Spreadsheet exports, shared by every one of them: CSV and XLSX written row by row, each
ending with a line that counts its rows.

Knows no domain.
"""
