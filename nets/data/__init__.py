"""Data: datasets, the DataLoader, bundled and synthetic datasets, preprocessing."""

from .dataloader import DataLoader, default_collate, default_convert
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import (
    Bunch,
    load_breast_cancer,
    load_digits,
    load_musk,
    make_blobs,
    make_linear_regression,
    make_moons,
    make_spirals,
)
from .preprocessing import StandardScaler, one_hot, train_test_split

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "default_collate",
    "default_convert", "Bunch", "load_digits", "load_breast_cancer", "load_musk", "make_linear_regression",
    "make_moons", "make_spirals", "make_blobs", "StandardScaler", "train_test_split", "one_hot",
]
