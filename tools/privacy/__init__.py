"""Privacy helpers: pure text rules, no I/O."""

from tools.privacy.codes import MASK, has_code, mask_codes

__all__ = ["MASK", "has_code", "mask_codes"]
