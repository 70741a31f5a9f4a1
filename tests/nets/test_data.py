import gzip
import os
from collections import namedtuple
from importlib import resources

import numpy as np
import pytest

import nets
from nets.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    StandardScaler,
    Subset,
    TensorDataset,
    default_collate,
    load_breast_cancer,
    load_digits,
    load_musk,
    make_blobs,
    make_linear_regression,
    make_moons,
    make_spirals,
    one_hot,
    random_split,
    train_test_split,
)

# -- bundled datasets ----------------------------------------------------------------------------------


def test_digits():
    b = load_digits()
    assert b.data.shape == (1797, 64) and b.images.shape == (1797, 8, 8) and b.target.shape == (1797,)
    assert b.data.dtype == np.float64 and b.target.dtype == np.int64
    assert b.data.min() == 0 and b.data.max() == 16 and np.all(b.data == np.round(b.data))
    assert np.bincount(b.target).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    np.testing.assert_array_equal(b.images[5], b.data[5].reshape(8, 8))
    assert b.target_names == [str(i) for i in range(10)] and "CC BY 4.0" in b.citation
    X, y = load_digits(return_X_y=True)
    X2, y2 = b
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_breast_cancer():
    b = load_breast_cancer()
    assert b.data.shape == (569, 30) and np.bincount(b.target).tolist() == [212, 357]
    assert b.target_names == ["malignant", "benign"] and b.feature_names[0] == "mean radius"
    assert len(b.feature_names) == 30 and "CC BY 4.0" in b.citation
    # Known values of the first record (UCI wdbc.data, id 842302, malignant).
    assert b.data[0, :4].tolist() == [17.99, 10.38, 122.8, 1001.0] and b.target[0] == 0


def test_bundled_files_are_small_and_carry_licence_and_citation():
    files = resources.files("nets.data").joinpath("files")
    names = {f.name for f in files.iterdir()}
    assert {"digits.npz", "breast_cancer.npz", "README.md", "LICENSE"} <= names
    total = sum(len(files.joinpath(n).read_bytes()) for n in ("digits.npz", "breast_cancer.npz"))
    assert total < 1_000_000
    text = files.joinpath("LICENSE").read_text()
    assert "CC BY 4.0" in text and "10.24432/C50P49" in text and "10.24432/C5DW2B" in text


# -- synthetic generators ------------------------------------------------------------------------------


def test_generators_are_reproducible():
    for make in (lambda **k: make_moons(200, noise=0.1, **k), lambda **k: make_spirals(200, noise=0.1, **k),
                 lambda **k: make_blobs(200, **k), lambda **k: make_linear_regression(200, 3, **k)):
        a, b, c = make(seed=3), make(seed=3), make(seed=4)
        np.testing.assert_array_equal(a[0], b[0])
        assert not np.array_equal(a[0], c[0])
        nets.manual_seed(11)
        d = make()
        nets.manual_seed(11)
        np.testing.assert_array_equal(d[0], make()[0])
        e = make(generator=nets.Generator().manual_seed(5))
        np.testing.assert_array_equal(e[0], make(generator=nets.Generator().manual_seed(5))[0])


def test_moons_geometry():
    X, y = make_moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)


def test_spirals_geometry():
    X, y = make_spirals(300, n_classes=3, noise=0.0, turns=1.5, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(*X.T)
    assert r.max() == pytest.approx(1.0) and r.min() == pytest.approx(0.0, abs=1e-12)
    for k in range(3):  # angle = 2π·turns·r + 2πk/3 on each arm (away from the origin)
        pts, rk = X[y == k], r[y == k]
        keep = rk > 0.05
        ang = 2 * np.pi * 1.5 * rk[keep] + 2 * np.pi * k / 3
        np.testing.assert_allclose(pts[keep], np.c_[rk[keep] * np.cos(ang), rk[keep] * np.sin(ang)], atol=1e-12)


def test_blobs_and_regression():
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]])
    X, y = make_blobs(3000, centers=centers, cluster_std=0.5, seed=1)
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(0), centers[k], atol=0.05)
        assert X[y == k].std(0) == pytest.approx([0.5, 0.5], abs=0.05)
    X, y, w = make_linear_regression(5000, 3, noise=0.01, bias=0.7, seed=2)
    coef = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y, rcond=None)[0]
    np.testing.assert_allclose(coef, np.r_[w, 0.7], atol=1e-3)
    with pytest.raises(ValueError, match="n_samples"):
        make_moons(0)
    with pytest.raises(ValueError, match="either seed or generator"):
        make_blobs(10, seed=1, generator=nets.Generator())


# -- Musk -----------------------------------------------------------------------------------------------

def _musk_line(mol, conf, feats, cls):
    return ",".join([mol, conf, *[str(v) for v in feats], cls])


def _write_musk(path, rows):
    with open(path, "w") as f:
        f.write("\n".join(_musk_line(*r) for r in rows) + "\n")


ROWS = [
    ("MUSK-211", "211_1+1", list(range(166)), "1."),
    ("MUSK-211", "211_1+2", list(range(-83, 83)), "1."),
    ("NON-MUSK-jp13", "jp13_2+1", [5] * 166, "0."),
]


def test_load_musk(tmp_path):
    path = tmp_path / "clean2.data"
    _write_musk(path, ROWS)
    b = load_musk(path)
    assert b.data.shape == (3, 166) and b.target.tolist() == [1, 1, 0]
    assert b.data[1, 0] == -83 and b.data[2].tolist() == [5.0] * 166
    assert b.groups.tolist() == ["MUSK-211", "MUSK-211", "NON-MUSK-jp13"]
    assert b.extra["conformation_names"][2] == "jp13_2+1" and b.feature_names[-1] == "f166"
    gz = tmp_path / "clean2.data.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    X, y = load_musk(gz, return_X_y=True)
    np.testing.assert_array_equal(X, b.data)


@pytest.mark.parametrize("content, match", [
    (_musk_line("M", "c", range(165), "1."), "line 1 has 168 fields"),
    (_musk_line("M", "c", ["x", *range(165)], "1."), "line 1: column f1 is 'x'"),
    (_musk_line("M", "c", range(166), "2."), "class is '2.'"),
    ("\n\n", "no data lines"),
])
def test_load_musk_bad_files(tmp_path, content, match):
    path = tmp_path / "bad.data"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        load_musk(path)


def test_load_musk_missing_and_compressed(tmp_path):
    with pytest.raises(FileNotFoundError, match="Musk"):
        load_musk(tmp_path / "nope.data")
    z = tmp_path / "clean2.data.Z"
    z.write_bytes(b"\x1f\x9d\x90abc")
    with pytest.raises(ValueError, match="uncompress"):
        load_musk(z)
    binary = tmp_path / "x.bin"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError):
        load_musk(binary)


# -- datasets and loaders --------------------------------------------------------------------------------

def test_tensor_dataset():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ds = TensorDataset(nets.tensor(X), y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    assert x3.tolist() == [6.0, 7.0] and y3.item() == 3
    with pytest.raises(ValueError, match=r"Size mismatch.*\(10, 2\).*\(9,\)"):
        TensorDataset(X, np.arange(9))


def _epoch_indices(loader):
    return np.concatenate([b[1].numpy() for b in loader])


def test_loader_covers_each_example_once_and_reshuffles():
    ds = TensorDataset(np.arange(50.0)[:, None], np.arange(50))
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=nets.Generator().manual_seed(0))
    assert len(loader) == 7
    e1, e2 = _epoch_indices(loader), _epoch_indices(loader)
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert not np.array_equal(e1, e2)  # a fresh permutation each epoch
    again = DataLoader(ds, batch_size=8, shuffle=True, generator=nets.Generator().manual_seed(0))
    np.testing.assert_array_equal(_epoch_indices(again), e1)
    sizes = [len(b[0]) for b in loader]
    assert sizes == [8] * 6 + [2]
    assert [len(b[0]) for b in DataLoader(ds, batch_size=8, drop_last=True)] == [8] * 6
    assert len(DataLoader(ds, batch_size=8, drop_last=True)) == 6
    np.testing.assert_array_equal(_epoch_indices(DataLoader(ds, batch_size=7)), np.arange(50))


def test_batch_sizes_for_the_three_kinds_of_gradient_descent():
    ds = TensorDataset(np.zeros((12, 2)), np.arange(12))
    assert [len(b[1]) for b in DataLoader(ds, batch_size=12)] == [12]  # batch gradient descent
    assert [len(b[1]) for b in DataLoader(ds, batch_size=1)] == [1] * 12  # stochastic gradient descent
    assert [len(b[1]) for b in DataLoader(ds, batch_size=5)] == [5, 5, 2]  # mini-batch SGD


def test_fast_path_equals_default_collation():
    rng = np.random.default_rng(0)
    ds = TensorDataset(rng.normal(size=(30, 3)).astype(np.float32), rng.integers(0, 4, 30))
    sub = Subset(ds, rng.permutation(30)[:17].tolist())
    for data in (ds, sub):
        fast = DataLoader(data, batch_size=4, shuffle=True, generator=nets.Generator().manual_seed(1))
        slow = DataLoader(data, batch_size=4, shuffle=True, generator=nets.Generator().manual_seed(1),
                          collate_fn=default_collate)
        assert fast._fast and not slow._fast
        for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
            assert isinstance(xf, nets.Tensor) and xf.dtype == xs.dtype == nets.float32
            np.testing.assert_array_equal(xf.numpy(), xs.numpy())
            np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_default_collate_like_pytorch():
    batch = default_collate([(1.5, 2, np.ones(3, np.float32), {"a": nets.tensor([1.0, 2.0]), "s": "x"})] * 4)
    f, i, arr, d = batch
    assert f.dtype == nets.float64 and f.shape == (4,)
    assert i.dtype == nets.int64 and arr.shape == (4, 3) and arr.dtype == nets.float32
    assert d["a"].shape == (4, 2) and d["s"] == ["x"] * 4
    Point = namedtuple("Point", "x y")
    p = default_collate([Point(1.0, 2.0), Point(3.0, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1.0, 3.0]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object()])


class Squares(Dataset):
    """A custom dataset, as the course's exercises write them."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return np.array([float(i)]), float(i * i)


def test_custom_dataset_and_concat():
    loader = DataLoader(Squares(), batch_size=4)
    x, y = next(iter(loader))
    assert x.shape == (4, 1) and y.tolist() == [0.0, 1.0, 4.0, 9.0]
    both = Squares() + Squares()
    assert isinstance(both, ConcatDataset) and len(both) == 20 and both[13][1] == 9.0 and both[-1][1] == 81.0
    with pytest.raises(IndexError):
        both[20]
    unbatched = list(DataLoader(Squares(), batch_size=None))
    assert len(unbatched) == 10 and unbatched[2][0].tolist() == [2.0]


@pytest.mark.parametrize("kw, err", [
    (dict(batch_size=0), ValueError), (dict(batch_size=2.5), ValueError), (dict(batch_size=True), ValueError),
    (dict(batch_size=None, drop_last=True), ValueError), (dict(generator=np.random.default_rng()), TypeError),
    (dict(collate_fn=3), TypeError),
])
def test_loader_bad_arguments(kw, err):
    with pytest.raises(err):
        DataLoader(Squares(), **kw)


def test_random_split():
    ds = TensorDataset(np.arange(10.0), np.arange(10))
    parts = random_split(ds, [0.33, 0.33, 0.34], generator=nets.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [4, 3, 3]  # floors 3, 3, 3 and the remainder round-robin
    seen = sorted(i for p in parts for i in p.indices)
    assert seen == list(range(10))
    again = random_split(ds, [4, 3, 3], generator=nets.Generator().manual_seed(0))
    assert [p.indices for p in again] == [p.indices for p in parts]
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(ds, [5, 6])


# -- preprocessing ---------------------------------------------------------------------------------------

def test_standard_scaler_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train, val = rng.normal(3, 2, size=(200, 3)), rng.normal(5, 1, size=(50, 3))
    train[:, 2] = 7.0  # a constant feature
    sc = StandardScaler().fit(train)
    z = sc.transform(train)
    np.testing.assert_allclose(z[:, :2].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, :2].std(0), 1, atol=1e-12)
    assert np.all(z[:, 2] == 0)
    np.testing.assert_allclose(sc.transform(val), (val - train.mean(0)) / np.where(train.std(0) > 0, train.std(0), 1))
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(val)), val)
    sc2 = StandardScaler()
    sc2.load_state_dict(sc.state_dict())
    np.testing.assert_array_equal(sc2.transform(val), sc.transform(val))
    with pytest.raises(RuntimeError, match="not fitted"):
        StandardScaler().transform(val)
    with pytest.raises(ValueError, match="3 features, but the scaler was fitted on 2"):
        StandardScaler().fit(train[:, :2]).transform(val)


def test_train_test_split():
    X, y = np.arange(100).reshape(50, 2), np.r_[np.zeros(40, int), np.ones(10, int)]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, seed=0)
    assert len(Xte) == 10 and len(Xtr) == 40 and yte.sum() == 2 and ytr.sum() == 8
    assert sorted(np.r_[Xtr[:, 0], Xte[:, 0]].tolist()) == list(range(0, 100, 2))
    # Rows stay aligned across the arrays: row i of X is [2i, 2i+1] and its label is i >= 40.
    np.testing.assert_array_equal(Xtr[:, 1], Xtr[:, 0] + 1)
    np.testing.assert_array_equal(ytr, (Xtr[:, 0] // 2 >= 40).astype(int))
    groups = np.repeat(np.arange(10), 5)
    gtr, gte = train_test_split(groups, test_size=0.3, groups=groups, seed=1)
    assert set(gtr).isdisjoint(set(gte)) and len(set(gte)) == 3
    with pytest.raises(ValueError, match="same first dimension"):
        train_test_split(X, y[:3])
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, test_size=1.5)


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0])), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        one_hot(np.array([2]), num_classes=2)


def test_package_data_declared():
    # The data files must ship inside the package (setuptools package-data "data/files/*").
    here = os.path.dirname(nets.data.__file__)
    assert os.path.isfile(os.path.join(here, "files", "digits.npz"))
