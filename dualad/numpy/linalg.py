"""``dualad.numpy.linalg`` (to be filled)."""
__all__ = []
