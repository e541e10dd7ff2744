"""Command-line arguments of the examples when the gallery runs them: sphinx-gallery's
``reset_argv``, which ``conf.py`` names by its import path (Sphinx cannot cache a function)."""
import os
import tempfile


def gallery_argv(gallery_conf, script_vars):
    # train_digits draws its loss and accuracy curves with --plot; the gallery shows the figure
    if os.path.basename(script_vars["src_file"]) == "train_digits.py":
        return ["--plot", os.path.join(tempfile.gettempdir(), "dualad-train-digits.png")]
    return []
