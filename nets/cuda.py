"""``nets.cuda``: there is no GPU here, so that device boilerplate (``"cuda" if torch.cuda.is_available() else
"cpu"``) runs and picks the CPU."""


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed (PyTorch ignores this call without a GPU too)."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed."""
