"""How groups are named for a reader (see :mod:`curation.core.labels`)."""

from curation.core import group_order, source_label, split_label

__all__ = ["group_order", "source_label", "split_label"]
