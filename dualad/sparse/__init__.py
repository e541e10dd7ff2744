"""Sparse Jacobians and Hessians: sparsity detection through the primitives' pattern rules,
graph colouring, and compressed evaluation in one batched pass."""
from ._matrix import SparseMatrix, SparsityPattern
from .compressed import (SparseDerivative, SparsePlan, plan_sparse_jacobian, sparse_hessian,
                         sparse_jacobian)
from .detect import hessian_sparsity, jacobian_sparsity

__all__ = ["jacobian_sparsity", "hessian_sparsity", "sparse_jacobian", "sparse_hessian",
           "plan_sparse_jacobian", "SparsePlan", "SparseDerivative", "SparsityPattern",
           "SparseMatrix"]
