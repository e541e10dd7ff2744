"""W9: training an MLP on scikit-learn's digits with ``dualad.nn`` and ``optim.Adam``."""
from .workloads import W9, dualad_training, test_accuracy


class W9DigitsTraining:
    params = [list(W9.sizes)]
    param_names = ["epochs"]
    timeout = 600

    def setup(self, epochs):
        self.inst = W9.instance(epochs)
        self.train = dualad_training(self.inst)

    def time_train(self, epochs):
        self.train()

    def peakmem_train(self, epochs):
        self.train()

    def track_test_accuracy(self, epochs):
        return test_accuracy(self.train(), self.inst.data)

    track_test_accuracy.unit = "fraction correct"
