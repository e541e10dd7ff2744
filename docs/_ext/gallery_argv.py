"""Command-line arguments of the examples when the gallery runs them: sphinx-gallery's
``reset_argv``, which ``conf.py`` names by its import path (Sphinx cannot cache a function)."""
import os
import tempfile

# the training examples draw their curves with --plot, and the gallery shows the figure
PLOTTING = ("train_digits.py", "cnn_digits.py", "lstm_sequence.py")


def gallery_argv(gallery_conf, script_vars):
    name = os.path.basename(script_vars["src_file"])
    if name not in PLOTTING:
        return []
    return ["--plot", os.path.join(tempfile.gettempdir(), "dualad-" + name.replace(".py", ".png"))]
