"""Workbook access shared by the templates and intake.

``identity`` holds what makes a workbook ours: the hidden metadata sheet, the template
kinds and the defined-name scheme through which every input and result cell is reached,
so intake never depends on cell positions.
"""
