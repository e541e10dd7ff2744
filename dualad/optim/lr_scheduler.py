"""Learning-rate schedulers: ``StepLR`` and ``CosineAnnealingLR``, as in
``torch.optim.lr_scheduler``.

A scheduler sets ``group["lr"]`` of its optimiser's parameter groups; call ``step()`` once per
epoch after the optimiser's steps. Rates are computed in closed form from each group's
``"initial_lr"`` (recorded at construction) and the epoch counter ``last_epoch``.
"""
import math


class LRScheduler:
    """Base class of the schedulers: a subclass defines ``lr_at(base_lr, epoch)``, the rate of
    a group whose initial rate is ``base_lr`` at ``epoch``. Constructing a scheduler sets the
    rates of epoch 0 (``last_epoch=-1`` starts a schedule; another value resumes one).
    """

    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError("resuming a schedule (last_epoch != -1) needs 'initial_lr' in "
                               "every parameter group of the optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr, epoch):
        """The learning rate of a group starting at ``base_lr``, at ``epoch``."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch and set every group's ``"lr"``."""
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The rates ``step`` set last, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """The scheduler's state (everything but the optimiser), for ``load_state_dict``."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state from ``state_dict()``."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """``lr = initial_lr * gamma ** (epoch // step_size)``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2``."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (
            1 + math.cos(math.pi * epoch / self.T_max)) / 2
