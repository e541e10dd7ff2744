"""``dualad.utils``: ``dualad.utils.data`` (datasets and batch loading, as ``torch.utils.data``)."""
from . import data  # noqa: F401

__all__ = ["data"]
