"""The core: the primitive interface and dispatch (``_engine``, ``primitive``), boxes and trace
levels (``state``), forward mode (``dual``), the tape and its sweep (``tape``), pytrees
(``tree``), array-module dispatch (``backend``) and the escape checks (``escape``).

It declares no op and imports nothing from the layers above it (see ``[tool.importlinter]`` in
pyproject.toml): the ops register what it applies itself through ``_engine.use_ops``, and
``dualad.numpy`` registers the boxes' array surface through ``primitive.use_array_surface``.
"""
