"""The report of an eval run: Markdown text and PNG plots."""

from curation.evaluation.report.markdown import render_compare, render_report
from curation.evaluation.report.plots import COMPARE_PLOT, PLOTS, write_compare_plot, write_plots

__all__ = [
    "COMPARE_PLOT",
    "PLOTS",
    "render_compare",
    "render_report",
    "write_compare_plot",
    "write_plots",
]
