"""Spreadsheet imports, shared by every one of them (the roster, the training plan, a paper
sign-in sheet): reading CSV and XLSX within the limits every import shares, keeping the
uploaded file between its preview and the confirmation, and the fingerprint that says
whether what is confirmed is what was shown.

Each import keeps only its own columns, its row parsing and its matching.
"""
