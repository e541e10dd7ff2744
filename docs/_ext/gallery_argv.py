"""Command-line arguments of the examples when the gallery runs them: sphinx-gallery's
``reset_argv``, which ``conf.py`` names by its import path (Sphinx cannot cache a function)."""
import os
import tempfile

# the training examples draw their curves with --plot, and the gallery shows the figure; the
# LSTM trains for 3 of its 15 epochs there (75 s in all on 2 cores), to keep the build short
EXTRA = {"train_digits.py": [], "cnn_digits.py": [], "lstm_sequence.py": ["--epochs", "3"]}


def gallery_argv(gallery_conf, script_vars):
    name = os.path.basename(script_vars["src_file"])
    if name not in EXTRA:
        return []
    plot = os.path.join(tempfile.gettempdir(), "dualad-" + name.replace(".py", ".png"))
    return ["--plot", plot] + EXTRA[name]
